<#
.SYNOPSIS
    Shows which MailKit, MimeKit and BouncyCastle a session and SmtpTools use when another module loaded its own
    copies of them first.

.DESCRIPTION
    Run by DependencyIsolationTests in a child process, or by hand:

        dotnet smtptools-host.dll --preload <other>/MailKit.dll --preload <other>/MimeKit.dll `
            --preload <other>/BouncyCastle.Cryptography.dll -File Show-DependencyIsolation.ps1 /tmp/smtptools-test-server/server.json

    The host loads the preloaded assemblies into the default load context, imports SmtpTools, then runs this script
    against the test server: Test-SmtpPort on the implicit-TLS port (SmtpTools.Engine reads the certificate's names
    with BouncyCastle), then Send-SecureMail to the test user through the same port (MailKit and MimeKit). It prints one
    "Name = value" fact per line. An assembly is described as "<version>@<load context>", where the version is the
    informational version ("4.18.2") and the load context is "Default" or the type name of the module's private context.

.PARAMETER ServerState
    The test server's server.json (tests/server/smtp-test-server.sh writes it): ports, CA file, user and password.
#>
param(
    [Parameter(Mandatory)] [string] $ServerState
)

$ErrorActionPreference = 'Stop'
$dependencies = 'MailKit', 'MimeKit', 'BouncyCastle.Cryptography'

# ConvertFrom-Json is not in the host's engine: read the state with System.Text.Json.
$server = [System.Text.Json.JsonDocument]::Parse([System.IO.File]::ReadAllText($ServerState)).RootElement
$port = $server.GetProperty('ports').GetProperty('submissions').GetInt32()
$caFile = $server.GetProperty('caFile').GetString()
$user = $server.GetProperty('user').GetString()
$credential = [pscredential]::new($user, [System.Net.NetworkCredential]::new('', $server.GetProperty('password').GetString()).SecurePassword)

function Format-LoadedAssembly([System.Reflection.Assembly] $Assembly) {
    $version = $Assembly.GetName().Version.ToString()
    $informational = [System.Reflection.CustomAttributeExtensions]::GetCustomAttribute[System.Reflection.AssemblyInformationalVersionAttribute]($Assembly)
    if ($informational) {
        $version = $informational.InformationalVersion.Split('+')[0]
    }

    $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($Assembly)
    $contextName = if ($context -eq [System.Runtime.Loader.AssemblyLoadContext]::Default) { 'Default' } else { $context.GetType().FullName }
    return '{0}@{1}' -f $version, $contextName
}

function Get-LoadedAssembly([string] $Name) {
    [AppDomain]::CurrentDomain.GetAssemblies() |
        Where-Object { $_.GetName().Name -eq $Name } |
        ForEach-Object { Format-LoadedAssembly $_ }
}

# Only Microsoft.PowerShell.Core is certain in the host (no Sort-Object): sort with .NET.
function Write-Fact([string] $Name, [object[]] $Value) {
    [string[]] $text = @($Value | ForEach-Object { "$_" })
    [Array]::Sort($text, [StringComparer]::Ordinal)
    '{0} = {1}' -f $Name, ($text -join ', ')
}

# What another module left in the session before any SmtpTools command ran.
foreach ($name in $dependencies) {
    Write-Fact "Before.$name" @(Get-LoadedAssembly $name)
}

# The cmdlet assembly lives in the default context: it must not bind to any mail library itself.
$cmdlets = (Get-Command -Name Test-SmtpPort).ImplementingType.Assembly
Write-Fact 'Cmdlets.References' @($cmdlets.GetReferencedAssemblies() | ForEach-Object { $_.Name })

# A real probe: TLS, certificate verdict, subject alternative names parsed by BouncyCastle inside the module.
$result = Test-SmtpPort -ComputerName localhost -Port $port -TrustedCertificate $caFile -TimeoutSec 10
Write-Fact 'Probe.Status' $result.Status
Write-Fact 'Probe.Security' $result.Security
Write-Fact 'Probe.Certificate' $result.Certificate.Verdict
Write-Fact 'Probe.SubjectAlternativeNames' $result.Certificate.SubjectAlternativeNames

# A real send: MailKit's SmtpClient and MimeKit's message, inside the module.
$marker = 'isolation-' + [guid]::NewGuid().ToString('N')
$sent = Send-SecureMail -From $user -To $user -Subject $marker -Body 'Sent while another module''s MailKit was loaded.' `
    -SmtpServer localhost -Port $port -Security ImplicitTls -Credential $credential -TrustedCertificate $caFile -PassThru
Write-Fact 'Send.Status' $sent.Status
Write-Fact 'Send.Subject' $marker

# What the probe and the send loaded: both copies side by side, each in its own context.
foreach ($name in $dependencies) {
    Write-Fact "After.$name" @(Get-LoadedAssembly $name)
}

# The engine that used them.
Write-Fact 'Engine' @(Get-LoadedAssembly 'SmtpTools.Engine')
