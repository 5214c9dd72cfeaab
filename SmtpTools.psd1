@{
    RootModule           = 'SmtpTools.dll'
    # Stamped at build time from Directory.Build.props (the one place the version lives).
    ModuleVersion        = '0.0.0'
    GUID                 = '5b0f7a52-3c1e-4d8e-9a57-2f4c8d1e6b93'
    Author               = 'SmtpTools contributors'
    CompanyName          = 'SmtpTools'
    Copyright            = '(c) SmtpTools contributors. MIT License.'
    Description          = 'Which SMTP port, which TLS mode, does it work, is it safe? Probes ports 25/465/587/2525 by behaviour, audits TLS and certificates, and sends mail with TLS required and certificates verified: a secure replacement for Send-MailMessage.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    # Checked by Windows PowerShell only. Our netstandard2.0 assemblies need the netstandard facade that .NET Framework
    # has in-box from 4.7.1: without this line an older one fails the import with "Could not load file or assembly
    # 'netstandard'"; with it, Import-Module says which .NET Framework is needed.
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('SmtpTools.Format.ps1xml')
    TypesToProcess       = @('SmtpTools.Types.ps1xml')
    CmdletsToExport      = @('Test-SmtpPort', 'Get-SmtpCapability', 'Send-SecureMail', 'Get-SmtpAccessToken')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('SMTP', 'TLS', 'STARTTLS', 'Email', 'Mail', 'Security', 'Send-MailMessage', 'MailKit', 'RFC8314', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://github.com/smtptools/SmtpTools/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/smtptools/SmtpTools'
            ReleaseNotes = 'See https://github.com/smtptools/SmtpTools/blob/main/CHANGELOG.md'
        }
    }
}
