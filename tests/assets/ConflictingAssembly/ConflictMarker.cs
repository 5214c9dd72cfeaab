namespace ConflictingAssembly
{
    /// <summary>The only type of the stand-in: none of MailKit's, MimeKit's or BouncyCastle's types exist here.</summary>
    public sealed class ConflictMarker
    {
    }
}
