<#
.SYNOPSIS
    Shows which MailKit, MimeKit and BouncyCastle a session and SmtpTools use when another module loaded its own
    copies of them first.

.DESCRIPTION
    Run by DependencyIsolationTests in a child process, or by hand:

        dotnet smtptools-host.dll --preload <other>/MailKit.dll --preload <other>/MimeKit.dll `
            --preload <other>/BouncyCastle.Cryptography.dll -File Show-DependencyIsolation.ps1 <port> <ca.pem>

    The host loads the preloaded assemblies into the default load context, imports SmtpTools, then runs this script.
    It probes <port> (an implicit-TLS port of the test server) trusting <ca.pem>, which makes SmtpTools.Engine read the
    certificate's names with BouncyCastle, and prints one "Name = value" fact per line. An assembly is described as
    "<version>@<load context>", where the version is the informational version ("4.18.2") and the load context is
    "Default" or the type name of the module's private context.

.PARAMETER Port
    The implicit-TLS (submissions) port of the test server.

.PARAMETER CaFile
    The test server's CA certificate, to trust explicitly.
#>
param(
    [Parameter(Mandatory)] [int] $Port,
    [Parameter(Mandatory)] [string] $CaFile
)

$ErrorActionPreference = 'Stop'
$dependencies = 'MailKit', 'MimeKit', 'BouncyCastle.Cryptography'

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
$result = Test-SmtpPort -ComputerName localhost -Port $Port -TrustedCertificate $CaFile -TimeoutSec 10
Write-Fact 'Probe.Status' $result.Status
Write-Fact 'Probe.Security' $result.Security
Write-Fact 'Probe.Certificate' $result.Certificate.Verdict
Write-Fact 'Probe.SubjectAlternativeNames' $result.Certificate.SubjectAlternativeNames

# The engine, and every mail library as the engine's load context resolves it for the engine's code.
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmtpTools.Engine' }
Write-Fact 'Engine' (Format-LoadedAssembly $engine)
$engineContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
foreach ($name in $dependencies) {
    Write-Fact "EngineResolves.$name" (Format-LoadedAssembly $engineContext.LoadFromAssemblyName([System.Reflection.AssemblyName]::new($name)))
}

# Both copies now live side by side, each in its own context.
foreach ($name in $dependencies) {
    Write-Fact "After.$name" @(Get-LoadedAssembly $name)
}
