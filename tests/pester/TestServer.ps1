<#
.SYNOPSIS
    The private Postfix + Dovecot test server (tests/server/smtp-test-server.sh) for the Pester suites.

.DESCRIPTION
    Dot-source this file in a suite, then:

        BeforeAll { $server = Start-SmtpTestServer }
        AfterAll  { Stop-SmtpTestServer -Server $server }

    Start-SmtpTestServer starts the server if it is not running (build.ps1 -Task Test has usually started it already)
    and describes it from server.json: host, ports by name, the CA certificate to trust with -TrustedCertificate, the
    Maildir, the SASL user and password, and the Knot DNS server (DnsServer) authoritative for the discovery zone (Zone). Stop-SmtpTestServer stops it only if that Start-SmtpTestServer call started it:
    a server someone else started is left running.

    The server runs on Debian-like Linux only (it needs postfix and dovecot-core; `smtp-test-server.sh install`).
#>

function Get-SmtpTestServerScript {
    # $PSScriptRoot is this file's folder wherever the suites dot-source it from.
    Join-Path -Path $PSScriptRoot -ChildPath '../server/smtp-test-server.sh'
}

function Start-SmtpTestServer {
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param()

    if (-not (Get-Command -Name bash -CommandType Application -ErrorAction SilentlyContinue)) {
        throw 'The SMTP test server needs bash, Postfix and Dovecot: run the suites on Debian-like Linux.'
    }

    $serverScript = Get-SmtpTestServerScript
    & bash $serverScript status *> $null
    $alreadyRunning = $LASTEXITCODE -eq 0
    if (-not $alreadyRunning) {
        $startOutput = & bash $serverScript start 2>&1
        if ($LASTEXITCODE -ne 0) {
            throw "The SMTP test server did not start (exit $LASTEXITCODE):`n$($startOutput -join "`n")"
        }
    }

    $stateDirectory = if ($env:SMTPTOOLS_SERVER_DIR) { $env:SMTPTOOLS_SERVER_DIR } else { '/tmp/smtptools-test-server' }
    $state = Get-Content -Raw -Path (Join-Path -Path $stateDirectory -ChildPath 'server.json') | ConvertFrom-Json

    [pscustomobject]@{
        PSTypeName   = 'SmtpTools.Tests.SmtpTestServer'
        Host         = $state.host
        Ports        = $state.ports
        CaFile       = $state.caFile
        Maildir      = $state.maildir
        LogFile      = $state.log
        Domain       = $state.domain
        User         = $state.user
        Password     = $state.password
        Credential   = [pscredential]::new($state.user, [System.Net.NetworkCredential]::new('', $state.password).SecurePassword)
        OtherUser    = $state.otherUser
        # The key Dovecot trusts for OAuth 2.0 bearer tokens (RS256), and its key id: suites sign test tokens with it.
        TokenSigningKeyFile = $state.identityProvider.signingKeyFile
        TokenKeyId   = $state.identityProvider.keyId
        DnsServer    = $state.dnsServer
        AutoconfigPort = $state.autoconfigPort
        Zone         = $state.zone
        # The validating resolver (unbound) and the transport-security zones Test-SmtpDomain's suites use.
        Resolver     = $state.resolver
        SecureZone   = $state.secureZone
        InsecureZone = $state.insecureZone
        BogusZone    = $state.bogusZone
        StartedHere  = -not $alreadyRunning
    }
}

function Stop-SmtpTestServer {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [pscustomobject] $Server
    )

    if ($Server.StartedHere) {
        & bash (Get-SmtpTestServerScript) stop *> $null
    }
}

function Wait-SmtpTestMessage {
    <#
    .SYNOPSIS
        Waits (at most -TimeoutSec) for a message delivered to -Address whose text contains -Marker; returns its text.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [pscustomobject] $Server,
        [Parameter(Mandatory)] [string] $Address,
        [Parameter(Mandatory)] [string] $Marker,
        [int] $TimeoutSec = 15
    )

    $localPart, $domain = $Address -split '@', 2
    $inbox = Join-Path -Path $Server.Maildir -ChildPath "$domain/$localPart/new"
    $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
    do {
        foreach ($file in Get-ChildItem -Path $inbox -File -ErrorAction SilentlyContinue) {
            $text = Get-Content -Raw -Path $file.FullName -ErrorAction SilentlyContinue
            if ($text -and $text.Contains($Marker)) {
                return $text
            }
        }

        Start-Sleep -Milliseconds 100
    } while ([datetime]::UtcNow -lt $deadline)

    throw "No message containing '$Marker' reached $Address within $TimeoutSec s."
}

function Test-LoopbackPortListening {
    <#
    .SYNOPSIS
        True when something accepts connections on 127.0.0.1:-Port (tests of a refused port skip then).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param([Parameter(Mandatory)] [int] $Port)

    $probe = [System.Net.Sockets.TcpClient]::new()
    try {
        return $probe.ConnectAsync('127.0.0.1', $Port).Wait(2000) -and $probe.Connected
    } catch {
        return $false
    } finally {
        $probe.Dispose()
    }
}
