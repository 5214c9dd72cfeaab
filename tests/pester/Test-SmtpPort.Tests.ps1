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
    Context 'Port 25 refused' {
        # Port 25 of the loopback: nothing listens there on these machines (the test server uses its own ports).
        It 'says that submission uses 465/587 and that -Recommended finds the right one' {
            if (Test-LoopbackPortListening -Port 25) { Set-ItResult -Skipped -Because 'something listens on 127.0.0.1:25 on this machine'; return }

            $result = Test-SmtpPort -ComputerName 127.0.0.1 -Port 25 -TimeoutSec 5

            $result.Status | Should -Be 'Closed'
            $result.ErrorMessage | Should -BeLike "*refused*submission uses 465 (implicit TLS) or 587 (STARTTLS)*'Test-SmtpPort 127.0.0.1 -Recommended'*"
            ($result.Notes -join "`n") | Should -BeLike "*'Test-SmtpPort 127.0.0.1 -Recommended'*"
        }
    }

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

        It 'says which address of localhost it probed and which it did not' {
            $result = Test-SmtpPort -ComputerName localhost -Port $server.Ports.submission -TrustedCertificate $server.CaFile -TimeoutSec 10

            $other = if ($result.RemoteAddress.IsIPv4MappedToIPv6 -or $result.RemoteAddress.AddressFamily -eq 'InterNetwork') { '::1' } else { '127.0.0.1' }
            $result.RemoteAddress | Should -Not -BeNullOrEmpty
            $note = $result.Notes | Where-Object { $_ -like 'localhost is the loopback (*' }
            $note | Should -BeLike "*: this result is from $($result.RemoteAddress); not probed: $other (Test-SmtpPort $other probes it directly)."
            $note | Should -Match '^localhost is the loopback \(.*127\.0\.0\.1.*\)'
            $note | Should -Match '^localhost is the loopback \(.*::1.*\)'
        }

        It 'names the address probed of a name with an IPv4 and an IPv6 address' {
            $name = "mail.srv.$($server.Zone)"

            $result = Test-SmtpPort -ComputerName $name -Port $server.Ports.submission -DnsServer $server.DnsServer -TrustedCertificate $server.CaFile -TimeoutSec 10

            $result.Status | Should -Be 'Open'
            $note = $result.Notes | Where-Object { $_ -like "$name has 2 addresses*" }
            $note | Should -BeLike "*this result is from $($result.RemoteAddress); not probed: *"
            $note | Should -Match '127\.0\.0\.1'
            $note | Should -Match '::1'
        }

        It 'reads the greeting of the server' {
            $result = Test-SmtpPort -ComputerName localhost -Port $server.Ports.plain -TimeoutSec 10

            $result.Banner | Should -BeLike '220 mail.smtptools.test*'
        }
    }

    Context 'Results that leave the session' {
        # Measured 2026-12-01: 11.5 KB for a STARTTLS port, of which about 5.5 KB are the test leaf's 141 names; it
        # was 36 KB with a depth warning before (the whole X509Certificate2, its chain and a second copy under Tls).
        It 'converts a result to JSON without -Depth, without a warning, in under 16 KB' {
            $result = Test-SmtpPort -ComputerName localhost -Port $server.Ports.submission -TrustedCertificate $server.CaFile -TimeoutSec 10

            $json = $result | ConvertTo-Json -WarningVariable warned -WarningAction SilentlyContinue

            $warned | Should -BeNullOrEmpty
            $json.Length | Should -BeLessThan 16KB
            $json | Should -Not -Match 'RawData'
            $back = $json | ConvertFrom-Json
            $back.Certificate.Thumbprint | Should -Be $result.Certificate.Thumbprint
            $back.Findings[0].Id | Should -Be 'STARTTLS_ONLY'
            $back.AuthMechanisms | Should -Contain 'PLAIN'
            $result.Certificate.GetCertificate().Thumbprint | Should -Be $result.Certificate.Thumbprint
        }

        It 'converts a Get-SmtpCapability report to JSON without a warning' {
            $report = Get-SmtpCapability -ComputerName localhost -Port $server.Ports.submission -TrustedCertificate $server.CaFile -TimeoutSec 10

            $json = $report | ConvertTo-Json -WarningVariable warned -WarningAction SilentlyContinue

            $warned | Should -BeNullOrEmpty
            $json.Length | Should -BeLessThan 16KB
            ($json | ConvertFrom-Json).TlsVersions.Version | Should -Not -BeNullOrEmpty
        }

        It 'keeps findings, names and AUTH mechanisms readable through Export-Csv and Import-Csv' {
            $csv = Join-Path -Path $TestDrive -ChildPath 'ports.csv'

            Test-SmtpPort -ComputerName localhost -Port $server.Ports.submission, $server.Ports.plain -TrustedCertificate $server.CaFile -TimeoutSec 10 |
                Export-Csv -Path $csv
            $rows = Import-Csv -Path $csv

            $rows | Should -HaveCount 2
            Get-Content -Raw -Path $csv | Should -Not -Match 'SmtpTools\.SmtpFinding\[\]|List`1|SmtpList`1'
            ($rows | Where-Object Port -eq $server.Ports.submission).Findings | Should -BeLike '*STARTTLS_ONLY*'
            ($rows | Where-Object Port -eq $server.Ports.plain).Findings | Should -BeLike '*NO_TLS*'
            ($rows | Where-Object Port -eq $server.Ports.submission).AuthMechanisms | Should -Be 'PLAIN; LOGIN; XOAUTH2; OAUTHBEARER'
            ($rows | Where-Object Port -eq $server.Ports.submission).Certificate | Should -BeLike 'CN=localhost (valid*'
        }

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
