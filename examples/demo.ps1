<#
.SYNOPSIS
    The main job of SmtpTools, end to end, against the local test server: start it, ask which port to use, audit the
    server, send a message through the recommended endpoint, and show that it arrived.

.DESCRIPTION
    Needs Debian or Ubuntu and root for the private Postfix + Dovecot test server (tests/server), and PowerShell 7.
    From a clean checkout, with only the .NET SDK (the README's first command):

        dotnet tool restore && dotnet build SmtpTools.slnx && dotnet pwsh -File examples/demo.ps1

    With pwsh installed and the module built: pwsh -File examples/demo.ps1. Prints no secret. The test server keeps
    running afterwards, for trying more commands; 'bash tests/server/smtp-test-server.sh stop' stops it.
#>
#Requires -Version 7.0
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
$root = Split-Path -Path $PSScriptRoot -Parent

if (-not (Get-Module -Name SmtpTools)) {
    $built = Get-ChildItem -Path (Join-Path $root 'out/SmtpTools') -Filter SmtpTools.psd1 -Recurse -ErrorAction SilentlyContinue |
        Select-Object -First 1
    if (-not $built) { throw "Build the module first: dotnet build $root/SmtpTools.slnx" }
    Import-Module -Name $built.FullName
}

'== 1. Start the private test server (Postfix + Dovecot on loopback)'
$server = Join-Path $root 'tests/server/smtp-test-server.sh'
& bash $server install | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'Installing the test server packages failed (needs root and apt).' }
& bash $server start | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'The test server did not start.' }

$stateDir = if ($env:SMTPTOOLS_SERVER_DIR) { $env:SMTPTOOLS_SERVER_DIR } else { '/tmp/smtptools-test-server' }
$state = Get-Content -Raw -Path (Join-Path $stateDir 'server.json') | ConvertFrom-Json
$relay, $submission, $submissions, $plain = $state.ports.relay, $state.ports.submission, $state.ports.submissions, $state.ports.plain
$ca = $state.caFile
$user = $state.user
$credential = [pscredential]::new($user, (ConvertTo-SecureString -String $state.password -AsPlainText -Force))
"   relay $relay, submission $submission, submissions (implicit TLS) $submissions, plain $plain"
"   private CA $ca"

"`n== 2. Which port, which TLS mode? (Test-SmtpPort measures behaviour, not ports)"
Test-SmtpPort -ComputerName localhost -Port $relay, $submission, $submissions, $plain -TrustedCertificate $ca -InputOrder | Out-Default

"`n== 3. Which one should I use to submit mail with a password? (RFC 8314)"
Test-SmtpPort -ComputerName localhost -Port $relay, $submission, $submissions, $plain -TrustedCertificate $ca -Recommended | Out-Default

"`n== 4. What does the relay offer, and what is wrong with it? (Get-SmtpCapability)"
$audit = Get-SmtpCapability -ComputerName localhost -Port $relay -TrustedCertificate $ca
$audit | Out-Default

"`n== 5. Send-SecureMail to the recommended endpoint (TLS required, cert verified)"
$marker = [guid]::NewGuid().ToString('N')
$sent = Test-SmtpPort -ComputerName localhost -Port $submission, $submissions -TrustedCertificate $ca -Recommended |
    Send-SecureMail -From $user -To $user -Subject "SmtpTools demo $marker" -Body 'Sent with TLS required and the certificate verified.' `
        -Credential $credential -TrustedCertificate $ca -PassThru
$sent | Out-Default

"`n== 6. It arrived: the delivered file in the Maildir"
$inbox = Join-Path $state.maildir "smtptools.test/$($user.Split('@')[0])/new"
$deadline = [DateTime]::UtcNow.AddSeconds(15)
do {
    $delivered = Get-ChildItem -Path $inbox -File | Where-Object { (Get-Content -Raw -Path $_.FullName).Contains($marker) } | Select-Object -First 1
    if (-not $delivered) { Start-Sleep -Milliseconds 100 }
} until ($delivered -or [DateTime]::UtcNow -ge $deadline)
if (-not $delivered) { throw "The message $marker did not arrive in $inbox within 15 s." }
"   $($delivered.FullName)"
Get-Content -Path $delivered.FullName | Where-Object { $_ -match '^(Received:|\s+\(using TLS|\s+\(Authenticated|Subject:|From:|To:)' } | ForEach-Object { "   $_" }
