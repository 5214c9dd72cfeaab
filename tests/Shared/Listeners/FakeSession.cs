namespace SmtpTools.Tests.Listeners
{
    /// <summary>One connection to a <see cref="FakeSmtpServer"/>, as its script's hooks see it.</summary>
    public sealed class FakeSession
    {
        internal FakeSession(FakeSmtpServer server, ScriptedConnection connection, int number)
        {
            Server = server;
            Connection = connection;
            Number = number;
        }

        /// <summary>The server, for counts across connections (messages so far, connections so far).</summary>
        public FakeSmtpServer Server { get; }

        /// <summary>The connection.</summary>
        public ScriptedConnection Connection { get; }

        /// <summary>1 for the first connection the server accepted, 2 for the next...</summary>
        public int Number { get; }

        /// <summary>TLS is up on this connection.</summary>
        public bool IsTls => Connection.IsTls;

        /// <summary>Messages whose data ended (final dot) on this connection so far.</summary>
        public int MessagesOnConnection { get; internal set; }

        /// <summary>MAIL FROM commands on this connection so far, this one included while it is handled.</summary>
        public int MailCommands { get; internal set; }
    }
}
