using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// Get-Help as a user sees it, checked against the cmdlets themselves: en-US/SmtpTools.dll-Help.xml is written by
    /// hand, so these tests are what keeps it true when a parameter is added, renamed or changes its default binding.
    /// </summary>
    public sealed class HelpTests : IClassFixture<ModuleFixture>
    {
        /// <summary>The cmdlets the theories run for; <see cref="The_tests_cover_every_exported_cmdlet"/> keeps it complete.</summary>
        private static readonly string[] CmdletNames = { "Test-SmtpPort", "Get-SmtpCapability", "Send-SecureMail", "Get-SmtpAccessToken" };

        // The engine gives every cmdlet these; Get-Help documents them once, under <CommonParameters>.
        private static readonly HashSet<string> EngineCommonParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
            "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
        };

        // What -WhatIf and -Confirm do differs per cmdlet (what is described, what is still checked), so a cmdlet that
        // has them documents them like its own parameters.
        private static readonly string[] ShouldProcessParameters = { "WhatIf", "Confirm" };

        // Parameters of other commands that about_SmtpTools names: Get-Help -Examples, Resolve-DnsName -Name -Type, and the
        // Exchange Online commands an app-only sender needs (New-ServicePrincipal, Add-MailboxPermission, Set-CASMailbox).
        private static readonly string[] ForeignParametersInAboutTopic = { "Examples", "Name", "Type", "AppId", "ObjectId", "Identity", "User", "AccessRights", "SmtpClientAuthenticationDisabled" };

        private readonly ModuleFixture _fixture;

        public static IEnumerable<object[]> Cmdlets() => CmdletNames.Select(name => new object[] { name });

        public HelpTests(ModuleFixture fixture) => _fixture = fixture;

        [Fact]
        public void The_tests_cover_every_exported_cmdlet()
        {
            var exported = Strings("Get-Command -Module SmtpTools | ForEach-Object { $_.Name }");

            Assert.Equal(CmdletNames.OrderBy(n => n), exported.OrderBy(n => n));
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Has_a_written_synopsis_and_description_not_the_generated_stub(string cmdlet)
        {
            // Without MAML, Get-Help makes the synopsis from the syntax ("Test-SmtpPort [-ComputerName] <string[]> ...")
            // and has no description at all.
            var synopsis = Strings("(Get-Help -Name $args[0] -Full).Synopsis", cmdlet).Single().Trim();
            var description = Strings("(Get-Help -Name $args[0] -Full).description | ForEach-Object { $_.Text }", cmdlet);

            Assert.False(synopsis.StartsWith(cmdlet, StringComparison.OrdinalIgnoreCase), synopsis);
            Assert.True(synopsis.Length > 20, synopsis);
            Assert.True(string.Join(" ", description).Length > 200, $"{cmdlet}: no real description");
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Describes_every_parameter_of_the_cmdlet(string cmdlet)
        {
            var documented = HelpParameters(cmdlet).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

            var undocumented = CommandParameters(cmdlet).Select(p => p.Name).Where(n => !EngineCommonParameters.Contains(n))
                .Where(n => !documented.TryGetValue(n, out var help) || help.Description.Trim().Length == 0)
                .ToArray();

            Assert.True(undocumented.Length == 0, $"{cmdlet}: no description for -{string.Join(", -", undocumented)}");
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Documents_no_parameter_the_cmdlet_does_not_have(string cmdlet)
        {
            var real = CommandParameters(cmdlet).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

            var invented = HelpParameters(cmdlet).Select(p => p.Name).Where(n => !real.Contains(n) || EngineCommonParameters.Contains(n)).ToArray();

            Assert.True(invented.Length == 0, $"{cmdlet} has no -{string.Join(", -", invented)} of its own");
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Says_what_binds_each_parameter_as_the_cmdlet_does(string cmdlet)
        {
            var real = CommandParameters(cmdlet).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

            foreach (var help in HelpParameters(cmdlet))
            {
                var parameter = real[help.Name];
                var what = $"{cmdlet} -{help.Name}";
                Assert.True(parameter.Required == help.Required, $"{what}: required is {parameter.Required}, help says {help.Required}");
                Assert.True(parameter.Position == help.Position, $"{what}: position is {parameter.Position}, help says {help.Position}");
                Assert.True(parameter.PipelineInput == help.PipelineInput, $"{what}: pipeline input is {parameter.PipelineInput}, help says {help.PipelineInput}");
                Assert.True(parameter.Aliases == help.Aliases, $"{what}: aliases are {parameter.Aliases}, help says {help.Aliases}");
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Syntax_shows_one_item_per_parameter_set_with_its_parameters(string cmdlet)
        {
            var sets = Strings(
                "$common = $args[1]; (Get-Command -Name $args[0]).ParameterSets | ForEach-Object { [string]::Join(',', @($_.Parameters | ForEach-Object { $_.Name } | Where-Object { $_ -notin $common })) }",
                cmdlet, EngineCommonParameters.ToArray());
            var syntax = Strings(
                "(Get-Help -Name $args[0] -Full).syntax.syntaxItem | ForEach-Object { [string]::Join(',', @($_.parameter | ForEach-Object { $_.name })) }",
                cmdlet);

            Assert.Equal(sets.Select(Sorted).OrderBy(s => s), syntax.Select(Sorted).OrderBy(s => s));
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Documents_WhatIf_and_Confirm_where_the_cmdlet_has_them(string cmdlet)
        {
            var real = CommandParameters(cmdlet).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var documented = HelpParameters(cmdlet).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

            Assert.All(ShouldProcessParameters.Where(real.Contains), name => Assert.Contains(name, documented));
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Names_the_real_output_types(string cmdlet)
        {
            var declared = Strings("(Get-Command -Name $args[0]).OutputType | ForEach-Object { $_.Name }", cmdlet);
            var documented = Strings("(Get-Help -Name $args[0] -Full).returnValues.returnValue | ForEach-Object { $_.type.name }", cmdlet);

            Assert.NotEmpty(declared);
            Assert.All(declared, type => Assert.Contains(type, documented));
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Links_the_other_cmdlets_the_about_topic_and_RFC_8314(string cmdlet)
        {
            var links = Strings("(Get-Help -Name $args[0] -Full).relatedLinks.navigationLink | ForEach-Object { $_.linkText + '|' + $_.uri }", cmdlet);

            foreach (var other in CmdletNames.Where(c => c != cmdlet).Append("about_SmtpTools"))
            {
                Assert.Contains(other + "|", links);
            }

            Assert.Contains(links, l => l.StartsWith("RFC 8314", StringComparison.Ordinal) && l.EndsWith("|https://www.rfc-editor.org/rfc/rfc8314", StringComparison.Ordinal));
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Has_at_least_three_examples_each_with_code_and_remarks(string cmdlet)
        {
            var examples = Examples(cmdlet);

            Assert.True(examples.Count >= 3, $"{cmdlet}: {examples.Count} examples");
            Assert.All(examples, e => Assert.False(string.IsNullOrWhiteSpace(e.Code), e.Title));
            Assert.All(examples, e => Assert.True(e.Remarks.Trim().Length > 40, $"{e.Title}: no remarks"));
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Example_code_fits_a_120_column_console(string cmdlet)
        {
            // Get-Help indents code by four and wraps longer lines wherever the console ends, mid-argument.
            var tooLong = Examples(cmdlet).SelectMany(e => e.Code.Split('\n').Where(l => l.Length > 116).Select(l => $"{e.Title}: {l}")).ToArray();

            Assert.True(tooLong.Length == 0, string.Join("\n", tooLong));
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Every_example_parses(string cmdlet)
        {
            foreach (var example in Examples(cmdlet))
            {
                Parser.ParseInput(example.Code, out _, out var errors);
                Assert.True(errors.Length == 0, $"{example.Title}: {string.Join("; ", errors.Select(e => $"line {e.Extent.StartLineNumber}: {e.Message}"))}");
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Every_example_runs_its_cmdlet_with_full_parameter_names_that_bind(string cmdlet)
        {
            var parameters = CmdletNames.ToDictionary(
                c => c, c => CommandParameters(c).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);

            foreach (var example in Examples(cmdlet))
            {
                var script = Parser.ParseInput(example.Code, out _, out _);
                var calls = script.FindAll(a => a is CommandAst c && parameters.ContainsKey(c.GetCommandName() ?? string.Empty), true).Cast<CommandAst>().ToList();
                Assert.True(calls.Any(c => string.Equals(c.GetCommandName(), cmdlet, StringComparison.OrdinalIgnoreCase)), $"{example.Title} does not run {cmdlet}");

                var problems = calls.SelectMany(call => BindingProblems(call, script, parameters[call.GetCommandName()!])).ToArray();
                Assert.True(problems.Length == 0, $"{example.Title}:\n{string.Join("\n", problems)}");
            }
        }

        [Fact]
        public void About_SmtpTools_is_a_help_topic_on_ports_STARTTLS_stripping_and_secure_defaults()
        {
            var run = _fixture.PowerShell.Run("Get-Help -Name about_SmtpTools");

            var topic = Assert.Single(run.Output);
            Assert.Equal("about_SmtpTools", topic.Properties["Name"].Value);
            var text = topic.ToString();
            foreach (var subject in new[] { "465 (submissions, implicit TLS)", "587 (submission, STARTTLS)", "25 (smtp, relay)", "2525 (unofficial)", "RFC 8314", "STARTTLS STRIPPING", "SECURE DEFAULTS" })
            {
                Assert.Contains(subject, text);
            }
        }

        [Fact]
        public void About_SmtpTools_names_only_parameters_that_exist()
        {
            var text = Strings("Get-Help -Name about_SmtpTools").Single();
            var known = CmdletNames.SelectMany(c => CommandParameters(c).Select(p => p.Name))
                .Concat(ForeignParametersInAboutTopic).ToHashSet(StringComparer.OrdinalIgnoreCase);

            // "-Security", not the "-" inside "Send-SecureMail" or "drop-in".
            var named = Regex.Matches(text, @"(?<![\w-])-([A-Z][A-Za-z]+)").Select(m => m.Groups[1].Value).Distinct();

            var unknown = named.Where(n => !known.Contains(n)).ToArray();

            Assert.True(unknown.Length == 0, $"about_SmtpTools names -{string.Join(", -", unknown)}, which no SmtpTools cmdlet has");
        }

        // Full names only, as Microsoft's help guidance asks (no aliases, no abbreviations); the engine's own binder
        // for the rest (arguments no parameter takes, a parameter without its value); splatted hashtables key by key.
        private IEnumerable<string> BindingProblems(CommandAst call, ScriptBlockAst script, HashSet<string> parameterNames)
        {
            var name = call.GetCommandName()!;
            foreach (var parameter in call.CommandElements.OfType<CommandParameterAst>().Where(p => !parameterNames.Contains(p.ParameterName)))
            {
                yield return $"{name} -{parameter.ParameterName}: not a full parameter name";
            }

            foreach (var splatted in call.CommandElements.OfType<VariableExpressionAst>().Where(v => v.Splatted))
            {
                var keys = SplattedKeys(script, splatted.VariablePath.UserPath);
                if (keys == null)
                {
                    yield return $"{name} @{splatted.VariablePath.UserPath}: no hashtable assigned to ${splatted.VariablePath.UserPath} in the example";
                    continue;
                }

                foreach (var key in keys.Where(k => !parameterNames.Contains(k)))
                {
                    yield return $"{name} @{splatted.VariablePath.UserPath}: '{key}' is not a full parameter name";
                }
            }

            var bound = _fixture.PowerShell.Run(
                "[System.Management.Automation.Language.StaticParameterBinder]::BindCommand($args[0], $true).BindingExceptions.Values | ForEach-Object { $_.BindingException.Message }",
                call);
            foreach (var message in bound.Output.Select(o => o.ToString()).Concat(bound.Errors.Select(e => e.ToString())))
            {
                yield return $"{name}: {message}";
            }
        }

        private static IEnumerable<string>? SplattedKeys(ScriptBlockAst script, string variable)
        {
            var assignment = script.FindAll(a => a is AssignmentStatementAst s && s.Left is VariableExpressionAst v && v.VariablePath.UserPath == variable, true)
                .Cast<AssignmentStatementAst>().FirstOrDefault();
            var hashtable = assignment?.Right.Find(a => a is HashtableAst, false) as HashtableAst;
            return hashtable?.KeyValuePairs.Select(pair => pair.Item1 is StringConstantExpressionAst key ? key.Value : pair.Item1.Extent.Text);
        }

        private List<ParameterFacts> HelpParameters(string cmdlet) =>
            _fixture.PowerShell.Run(
                "(Get-Help -Name $args[0] -Full).parameters.parameter | ForEach-Object { " +
                "[pscustomobject]@{ Name = $_.name; Description = [string]::Join(' ', @($_.description | ForEach-Object { $_.Text })); " +
                "Required = $_.required; Position = $_.position; PipelineInput = $_.pipelineInput; Aliases = $_.aliases } }",
                cmdlet).Output
            .Select(o => new ParameterFacts(o.Text("Name")!, o.Text("Description") ?? string.Empty, o.Text("Required")!, o.Text("Position")!, o.Text("PipelineInput")!, Sorted(o.Text("Aliases") ?? "none")))
            .ToList();

        private List<ParameterFacts> CommandParameters(string cmdlet) =>
            _fixture.PowerShell.Run(
                "(Get-Command -Name $args[0]).Parameters.Values | ForEach-Object { $set = @($_.ParameterSets.Values)[0]; " +
                "[pscustomobject]@{ Name = $_.Name; Mandatory = $set.IsMandatory; Position = $set.Position; ByValue = $set.ValueFromPipeline; " +
                "ByPropertyName = $set.ValueFromPipelineByPropertyName; Aliases = [string]::Join(', ', @($_.Aliases)) } }",
                cmdlet).Output
            .Select(o => new ParameterFacts(
                o.Text("Name")!,
                string.Empty,
                (bool)o.Get("Mandatory")! ? "true" : "false",
                (int)o.Get("Position")! == int.MinValue ? "named" : o.Text("Position")!,
                PipelineInput((bool)o.Get("ByValue")!, (bool)o.Get("ByPropertyName")!),
                Sorted(o.Text("Aliases") is { Length: > 0 } aliases ? aliases : "none")))
            .ToList();

        private List<HelpExample> Examples(string cmdlet) =>
            _fixture.PowerShell.Run(
                "(Get-Help -Name $args[0] -Full).examples.example | ForEach-Object { " +
                "[pscustomobject]@{ Title = $_.title; Code = [string]::Join(\"`n\", @($_.code)); Remarks = [string]::Join(' ', @($_.remarks | ForEach-Object { $_.Text })) } }",
                cmdlet).Output
            .Select(o => new HelpExample(o.Text("Title")!.Trim('-', ' '), o.Text("Code")!, o.Text("Remarks") ?? string.Empty))
            .ToList();

        // The words Get-Help shows under "Accept pipeline input?".
        private static string PipelineInput(bool byValue, bool byPropertyName) =>
            byValue && byPropertyName ? "True (ByValue, ByPropertyName)"
            : byValue ? "True (ByValue)"
            : byPropertyName ? "True (ByPropertyName)"
            : "False";

        private static string Sorted(string commaSeparated) =>
            string.Join(", ", commaSeparated.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).OrderBy(s => s, StringComparer.OrdinalIgnoreCase));

        private string[] Strings(string script, params object?[] args)
        {
            var run = _fixture.PowerShell.Run(script, args);
            Assert.Empty(run.Errors);
            return run.Output.Select(o => o.ToString()).ToArray();
        }

        /// <summary>How a parameter binds, as Get-Help words it: from the help, or worked out from the cmdlet.</summary>
        private sealed record ParameterFacts(string Name, string Description, string Required, string Position, string PipelineInput, string Aliases);

        private sealed record HelpExample(string Title, string Code, string Remarks);
    }
}
