#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'BuiltModule.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestServer.ps1')
    Import-Module -Name (Get-BuiltSmtpToolsManifest) -Force -ErrorAction Stop
    $server = Start-SmtpTestServer
}

AfterAll {
    Stop-SmtpTestServer -Server $server
    Remove-Module -Name SmtpTools -ErrorAction Ignore
}

Describe 'Test-SmtpPort' {
    Context 'Security mode, found by behaviour on the test server' {
        It 'reports the <PortName> port as <Security>' -ForEach @(
            @{ PortName = 'submissions'; Security = 'ImplicitTls' }
            @{ PortName = 'submission'; Security = 'StartTls' }
            @{ PortName = 'plain'; Security = 'PlainOnly' }
        ) {
            $result = Test-SmtpPort -ComputerName localhost -Port $server.Ports.$PortName -TrustedCertificate $server.CaFile -TimeoutSec 10

            $result.Status | Should -Be 'Open'
            $result.Security | Should -Be $Security
        }

        It 'verifies the certificate of a TLS port against the CA given with -TrustedCertificate' {
            $result = Test-SmtpPort -ComputerName localhost -Port $server.Ports.submissions -TrustedCertificate $server.CaFile -TimeoutSec 10

            $result.TlsProtocol | Should -BeIn @('Tls12', 'Tls13')
            $result.Certificate.Verdict | Should -Be 'valid'
        }

        It 'reads the greeting of the server' {
            $result = Test-SmtpPort -ComputerName localhost -Port $server.Ports.plain -TimeoutSec 10

            $result.Banner | Should -BeLike '220 mail.smtptools.test*'
        }
    }

    Context 'Results that leave the session' {
        It 'keeps the certificate verdict of a result received from Start-Job' {
            $manifest = Get-BuiltSmtpToolsManifest
            $job = Start-Job -ScriptBlock {
                Import-Module -Name $using:manifest
                Test-SmtpPort -ComputerName localhost -Port $using:server.Ports.submission -TrustedCertificate $using:server.CaFile -TimeoutSec 10
            }
            $result = $job | Receive-Job -Wait -AutoRemoveJob

            $result.pstypenames[0] | Should -Be 'Deserialized.SmtpTools.SmtpPortResult'
            $result.Certificate.Verdict | Should -Be 'valid'
            $result.Certificate.DaysUntilExpiry | Should -BeGreaterThan 30
            # The default table shows it in its Certificate column, as for a live result.
            ($result | Format-Table | Out-String -Width 120) | Should -Match 'valid'
        }

        It 'keeps the certificate verdict through Export-Clixml and Import-Clixml' {
            $file = Join-Path -Path $TestDrive -ChildPath 'probe.xml'
            Test-SmtpPort -ComputerName localhost -Port $server.Ports.submission -TrustedCertificate $server.CaFile -TimeoutSec 10 | Export-Clixml -Path $file

            (Import-Clixml -Path $file).Certificate.Verdict | Should -Be 'valid'
        }
    }

    Context 'Ports that do not answer SMTP' {
        It 'reports a port nobody listens on as Closed' {
            $result = Test-SmtpPort -ComputerName localhost -Port 1 -TimeoutSec 5

            $result.Status | Should -Be 'Closed'
            $result.Security | Should -Be 'Unknown'
        }
    }

    Context 'Input' {
        It 'takes host names from the pipeline' {
            $result = 'localhost' | Test-SmtpPort -Port $server.Ports.plain -TimeoutSec 10

            $result.ComputerName | Should -Be 'localhost'
            $result.Status | Should -Be 'Open'
        }

        It 'returns one result per host and port' {
            $results = Test-SmtpPort -ComputerName localhost -Port $server.Ports.plain, $server.Ports.submission -TrustedCertificate $server.CaFile -TimeoutSec 10

            $results | Should -HaveCount 2
            $results.Port | Sort-Object | Should -Be (@($server.Ports.plain, $server.Ports.submission) | Sort-Object)
        }

        It 'rejects a -TimeoutSec of <TimeoutSec> before any network I/O' -ForEach @(
            @{ TimeoutSec = 0 }
            @{ TimeoutSec = 3601 }
        ) {
            { Test-SmtpPort -ComputerName localhost -Port 25 -TimeoutSec $TimeoutSec } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,SmtpTools.Commands.TestSmtpPortCommand'
        }
    }

    Context 'Names that do not resolve' {
        # .invalid never resolves (RFC 6761).
        It 'fails with the error id SmtpTools.NameNotResolved' {
            { Test-SmtpPort -ComputerName 'no-such-host.smtptools.invalid' -Port 25 -TimeoutSec 5 -ErrorAction Stop } |
                Should -Throw -ErrorId 'SmtpTools.NameNotResolved,SmtpTools.Commands.TestSmtpPortCommand'
        }

        It 'still returns a result with the status NameNotResolved' {
            $result = Test-SmtpPort -ComputerName 'no-such-host.smtptools.invalid' -Port 25 -TimeoutSec 5 -ErrorAction SilentlyContinue -ErrorVariable failures

            $result.Status | Should -Be 'NameNotResolved'
            $failures | Should -HaveCount 1
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'A process file limit too low for -ThrottleLimit' {
        It 'sweeps fewer endpoints at once with one warning saying how to raise the limit, and gives every endpoint its result' -Skip:$IsWindows {
            # A child pwsh under `ulimit -n 256` (soft and hard, so .NET cannot raise it): the default -ThrottleLimit
            # (1024, two sockets a probe) does not fit. 100 closed ports of loopback answer at once.
            $script = @"
`$ProgressPreference = 'SilentlyContinue'
Import-Module '$(Get-BuiltSmtpToolsManifest)'
`$results = Test-SmtpPort -ComputerName 127.0.0.1 -Port (64100..64199) -TimeoutSec 2 -WarningVariable warnings -WarningAction SilentlyContinue
"results=`$(@(`$results).Count)"
"closed=`$(@(`$results | Where-Object Status -eq 'Closed').Count)"
"warnings=`$(@(`$warnings).Count)"
"warning=`$(`$warnings | Select-Object -First 1)"
"@
            $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
            $output = bash -c 'ulimit -n 256 && exec "$0" -NoProfile -NonInteractive -EncodedCommand "$1"' (Join-Path $PSHOME 'pwsh') $encoded 2>$null

            $output | Should -Contain 'results=100'
            $output | Should -Contain 'closed=100'
            $output | Should -Contain 'warnings=1'
            ($output | Where-Object { $_ -like 'warning=*' }) | Should -BeLike '*ulimit -n 4096*'
        }
    }
}
