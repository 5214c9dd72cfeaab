<#
.SYNOPSIS
    The main job of SmtpTools, end to end, against the local test server: start it, ask which port to use, audit the
    server, send a message through the recommended endpoint, and show that it arrived.

.DESCRIPTION
    Needs Debian or Ubuntu and root for the private Postfix + Dovecot test server (tests/server). Runs in pwsh
    (pwsh -File examples/demo.ps1, after 'dotnet build SmtpTools.slnx') and in the host program for machines with
    only the .NET SDK (dotnet run --project src/SmtpTools.Host -- -File examples/demo.ps1). Uses nothing outside
    PowerShell's core cmdlets, so both work. Prints no secret.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
$root = [System.IO.Path]::GetDirectoryName($PSScriptRoot)

if (-not (Get-Module -Name SmtpTools)) {
    $built = [System.IO.Directory]::GetFiles([System.IO.Path]::Combine($root, 'out', 'SmtpTools'), 'SmtpTools.psd1', 'AllDirectories')
    if ($built.Count -eq 0) { throw "Build the module first: dotnet build $root/SmtpTools.slnx" }
    Import-Module -Name $built[0]
}

'== 1. Start the private test server (Postfix + Dovecot on loopback)'
$server = [System.IO.Path]::Combine($root, 'tests', 'server', 'smtp-test-server.sh')
& bash $server install | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'Installing the test server packages failed (needs root and apt).' }
& bash $server start | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'The test server did not start.' }

$stateDir = if ($env:SMTPTOOLS_SERVER_DIR) { $env:SMTPTOOLS_SERVER_DIR } else { '/tmp/smtptools-test-server' }
$state = [System.Text.Json.JsonDocument]::Parse([System.IO.File]::ReadAllText("$stateDir/server.json")).RootElement
$ports = $state.GetProperty('ports')
$relay = $ports.GetProperty('relay').GetInt32()
$submission = $ports.GetProperty('submission').GetInt32()
$submissions = $ports.GetProperty('submissions').GetInt32()
$plain = $ports.GetProperty('plain').GetInt32()
$ca = $state.GetProperty('caFile').GetString()
$user = $state.GetProperty('user').GetString()
$password = [System.Net.NetworkCredential]::new('', $state.GetProperty('password').GetString()).SecurePassword
$credential = [pscredential]::new($user, $password)
"   relay $relay, submission $submission, submissions (implicit TLS) $submissions, plain $plain; private CA $ca"

"`n== 2. Which port, which TLS mode? (Test-SmtpPort probes by behaviour, not by number)"
Test-SmtpPort -ComputerName localhost -Port $relay, $submission, $submissions, $plain -TrustedCertificate $ca -InputOrder | Out-Default

"`n== 3. Which one should I use to submit mail with a password? (RFC 8314)"
Test-SmtpPort -ComputerName localhost -Port $relay, $submission, $submissions, $plain -TrustedCertificate $ca -Recommended | Out-Default

"`n== 4. What does the relay offer, and what is wrong with it? (Get-SmtpCapability)"
$audit = Get-SmtpCapability -ComputerName localhost -Port $relay -TrustedCertificate $ca
$audit | Out-Default

"`n== 5. Send through the recommended endpoint (Send-SecureMail: TLS required, certificate verified)"
$marker = [guid]::NewGuid().ToString('N')
$sent = Test-SmtpPort -ComputerName localhost -Port $submission, $submissions -TrustedCertificate $ca -Recommended |
    Send-SecureMail -From $user -To $user -Subject "SmtpTools demo $marker" -Body 'Sent with TLS required and the certificate verified.' `
        -Credential $credential -TrustedCertificate $ca -PassThru
$sent | Out-Default

"`n== 6. It arrived: the delivered file in the Maildir"
$inbox = [System.IO.Path]::Combine($state.GetProperty('maildir').GetString(), 'smtptools.test', $user.Split('@')[0], 'new')
$deadline = [DateTime]::UtcNow.AddSeconds(15)
$delivered = @()
while ($delivered.Count -eq 0 -and [DateTime]::UtcNow -lt $deadline) {
    $delivered = @([System.IO.Directory]::GetFiles($inbox) | Where-Object { [System.IO.File]::ReadAllText($_).Contains($marker) })
    if ($delivered.Count -eq 0) { [System.Threading.Thread]::Sleep(100) }
}
if ($delivered.Count -eq 0) { throw "The message $marker did not arrive in $inbox within 15 s." }
"   $($delivered[0])"
[System.IO.File]::ReadAllLines($delivered[0]) | Where-Object { $_ -match '^(Received:|\s+\(using TLS|\s+\(Authenticated|Subject:|From:|To:)' } | ForEach-Object { "   $_" }
