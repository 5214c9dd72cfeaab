using System;

namespace SmtpTools.Benchmarks
{
    /// <summary>The fresh-process halves of the start-up and memory figures: `--child MODE [ARGS]`.</summary>
    internal static class ChildModes
    {
        public static int Run(string[] args)
        {
            try
            {
                return args.Length switch
                {
                    1 when args[0] == "startup" => StartupFigure.RunOurs(),
                    1 when args[0] == "mailkit-load" => StartupFigure.RunMailKitLoad(),
                    1 when args[0] == "mailkit-first-send" => StartupFigure.RunMailKitFirstSend(),
                    1 when args[0] == "import-empty" => StartupFigure.RunEmptyModuleImport(),
                    2 when args[0] == "send-engine" => BulkSendFigure.RunEngineOnly(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)),
                    2 when args[0] == "send-module" => BulkSendFigure.RunModuleOnly(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)),
                    2 when args[0] == "send-mailkit" => BulkSendFigure.RunMailKitOnly(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)),
                    2 when args[0] == "memory-ours" => MemoryFigure.RunOurs(args[1]),
                    2 when args[0] == "memory-mailkit" => MemoryFigure.RunMailKit(args[1]),
                    4 when args[0] == "sweep" => SweepFigure.RunChild(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture)),
                    _ => Usage(args),
                };
            }
            catch (Exception e)
            {
                // The parent shows this line in its own error: one line, the cause first.
                Console.Error.WriteLine($"{e.GetType().Name}: {e.Message}");
                return 1;
            }
        }

        private static int Usage(string[] args)
        {
            Console.Error.WriteLine($"Unknown child mode: {string.Join(" ", args)}");
            return 2;
        }
    }
}
