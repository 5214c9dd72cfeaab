<#
.SYNOPSIS
    Shows which MailKit, MimeKit and BouncyCastle a session and SmtpTools use when another module loaded its own
    copies of them first.

.DESCRIPTION
    Run by DependencyIsolationTests in a child process of real pwsh, or by hand:

        dotnet pwsh -NoProfile -File tests/assets/Show-DependencyIsolation.ps1 -ServerState /tmp/smtptools-test-server/server.json `
            -ModuleManifest out/SmtpTools/<version>/SmtpTools.psd1 -Preload <other>/MailKit.dll, <other>/MimeKit.dll, <other>/BouncyCastle.Cryptography.dll

    The script loads the -Preload assemblies into the default load context, as another module imported earlier in the
    session would, then imports SmtpTools and runs against the test server: Test-SmtpPort on the implicit-TLS port
    (SmtpTools.Engine reads the certificate's names with BouncyCastle), then Send-SecureMail to the test user through the
    same port (MailKit and MimeKit). It prints one "Name = value" fact per line. An assembly is described as
    "<version>@<load context>", where the version is the informational version ("4.18.2") and the load context is
    "Default" or the type name of the module's private context.

.PARAMETER ServerState
    The test server's server.json (tests/server/smtp-test-server.sh writes it): ports, CA file, user and password.

.PARAMETER ModuleManifest
    The built module's SmtpTools.psd1.

.PARAMETER Preload
    Assemblies another module would have loaded first (the tests use stand-ins of MailKit, MimeKit and BouncyCastle).
#>
param(
    [Parameter(Mandatory)] [string] $ServerState,
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [string[]] $Preload = @()
)

$ErrorActionPreference = 'Stop'
$dependencies = 'MailKit', 'MimeKit', 'BouncyCastle.Cryptography'

# pwsh -File passes one string: a comma-separated list arrives whole.
foreach ($assembly in $Preload -split ',' | Where-Object { $_ }) {
    $null = [System.Runtime.Loader.AssemblyLoadContext]::Default.LoadFromAssemblyPath((Resolve-Path -LiteralPath $assembly).ProviderPath)
}

Import-Module -Name $ModuleManifest

$server = Get-Content -Raw -LiteralPath $ServerState | ConvertFrom-Json
$port = $server.ports.submissions
$caFile = $server.caFile
$user = $server.user
$credential = [pscredential]::new($user, [System.Net.NetworkCredential]::new('', $server.password).SecurePassword)
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

function Write-Fact([string] $Name, [object[]] $Value) {
    '{0} = {1}' -f $Name, ((@($Value | ForEach-Object { "$_" }) | Sort-Object -CaseSensitive) -join ', ')
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
