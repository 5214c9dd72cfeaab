#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'BuiltModule.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestServer.ps1')
    Import-Module -Name (Get-BuiltSmtpToolsManifest) -Force -ErrorAction Stop
    $server = Start-SmtpTestServer
    $alice = $server.User
    $bob = $server.OtherUser

    # Every send trusts the test server's private CA, as an admin trusts a company CA.
    $trust = @{ SmtpServer = $server.Host; TrustedCertificate = $server.CaFile; TimeoutSec = 10 }

    # A subject no other test uses: the message is found in the Maildir by it.
    function New-TestSubject { "Pester $([guid]::NewGuid().ToString('N'))" }
}

AfterAll {
    Stop-SmtpTestServer -Server $server
    Remove-Module -Name SmtpTools -ErrorAction Ignore
}

Describe 'Send-SecureMail' {
    Context 'Delivery' {
        It 'delivers through the <PortName> port with <Security>' -ForEach @(
            @{ PortName = 'submission'; Security = 'StartTls'; SignIn = $true }
            @{ PortName = 'submissions'; Security = 'ImplicitTls'; SignIn = $true }
            @{ PortName = 'relay'; Security = 'StartTls'; SignIn = $false }
        ) {
            $subject = New-TestSubject
            $account = if ($SignIn) { @{ Credential = $server.Credential } } else { @{} }

            $result = Send-SecureMail @trust @account -Port $server.Ports.$PortName -Security $Security -From $alice -To $bob -Subject $subject -Body 'Sent by the Pester suite.' -PassThru

            $result | Should -BeOfType SmtpTools.SmtpSendResult
            $result.Status | Should -Be 'Sent'
            $result.Security | Should -Be $Security
            $result.TlsProtocol | Should -BeIn @('Tls12', 'Tls13')
            Wait-SmtpTestMessage -Server $server -Address $bob -Marker $subject | Should -Not -BeNullOrEmpty
        }

        It 'attaches a file from disk' {
            $subject = New-TestSubject
            $report = Join-Path -Path $TestDrive -ChildPath 'disk-report.csv'
            Set-Content -Path $report -Value "Volume,FreeGB`nC,42"

            Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -To $alice -Subject $subject -Body 'Report attached.' -Attachments $report

            Wait-SmtpTestMessage -Server $server -Address $alice -Marker $subject | Should -Match 'filename="?disk-report\.csv'
        }

        It 'puts the HTML body in once, beside the inline image it shows' {
            $subject = New-TestSubject
            $logo = Join-Path -Path $TestDrive -ChildPath 'logo.png'
            [IO.File]::WriteAllBytes($logo, [byte[]] (1..64))

            Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -To $alice -Subject $subject `
                -Body 'Text version.' -HtmlBody '<p>Status <img src="cid:logo"></p>' -InlineAttachment @{ logo = $logo }

            $delivered = Wait-SmtpTestMessage -Server $server -Address $alice -Marker $subject
            [regex]::Matches($delivered, '(?im)^Content-Type: text/html').Count | Should -Be 1
            $delivered | Should -Match '(?im)^Content-Type: multipart/related'
            $delivered | Should -Match '(?im)^Content-Id: <logo>'
        }

        It 'gives Bcc recipients the message without a Bcc header' {
            $subject = New-TestSubject

            Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -To $alice -Bcc $bob -Subject $subject -Body 'Blind copy.'

            Wait-SmtpTestMessage -Server $server -Address $bob -Marker $subject | Should -Not -Match '(?m)^Bcc:'
        }
    }

    Context 'Secure defaults' {
        It 'refuses the plain port, which offers no STARTTLS, without sending the password' {
            $log = Join-Path -Path $TestDrive -ChildPath 'plain.log'

            { Send-SecureMail @trust -Port $server.Ports.plain -Credential $server.Credential -From $alice -To $alice -Subject (New-TestSubject) -ProtocolLog $log -RetryCount 0 -ErrorAction Stop } |
                Should -Throw -ErrorId 'SmtpTools.StartTlsNotOffered,SmtpTools.Commands.SendSecureMailCommand'
            $log | Should -FileContentMatch '250-AUTH'
            $log | Should -Not -FileContentMatch ' -> AUTH'
        }

        It 'finds implicit TLS by behaviour with the default -Security on a port that is not 465' {
            $result = Send-SecureMail @trust -Port $server.Ports.submissions -Credential $server.Credential -From $alice -To $alice -Subject (New-TestSubject) -PassThru

            $result.Status | Should -Be 'Sent'
            $result.Security | Should -Be 'ImplicitTls'
        }

        It 'fails fast with SmtpTools.SecurityMismatch when -Security <Asked> contradicts the <PortName> port' -ForEach @(
            @{ Asked = 'StartTls'; PortName = 'submissions'; Advice = '*implicit TLS*-Security ImplicitTls*' }
            @{ Asked = 'ImplicitTls'; PortName = 'submission'; Advice = '*speaks STARTTLS*-Security StartTls*' }
        ) {
            { Send-SecureMail @trust -Port $server.Ports.$PortName -Security $Asked -Credential $server.Credential -From $alice -To $alice -Subject (New-TestSubject) -ErrorAction Stop } |
                Should -Throw -ErrorId 'SmtpTools.SecurityMismatch,SmtpTools.Commands.SendSecureMailCommand' -ExpectedMessage $Advice
        }

        It 'refuses -Security None unless -AllowUnencrypted confirms it' {
            { Send-SecureMail @trust -Port $server.Ports.plain -Security None -From $alice -To $alice -Subject (New-TestSubject) -ErrorAction Stop } |
                Should -Throw -ErrorId 'SmtpTools.EncryptionRequired,SmtpTools.Commands.SendSecureMailCommand'
        }

        It 'sends in clear text with -Security None -AllowUnencrypted' {
            $result = Send-SecureMail @trust -Port $server.Ports.plain -Security None -AllowUnencrypted -From $alice -To $alice -Subject (New-TestSubject) -PassThru

            $result.Status | Should -Be 'Sent'
            $result.TlsProtocol | Should -Be 'None'
        }

        It 'never sends a credential in clear text, even with -AllowUnencrypted' {
            { Send-SecureMail @trust -Port $server.Ports.plain -Security None -AllowUnencrypted -Credential $server.Credential -From $alice -To $alice -Subject (New-TestSubject) -ErrorAction Stop } |
                Should -Throw -ErrorId 'SmtpTools.EncryptionRequired,SmtpTools.Commands.SendSecureMailCommand'
        }

        It 'rejects the certificate of the <PortName> listener' -ForEach @(
            @{ PortName = 'expired' }
            @{ PortName = 'wrongHost' }
            @{ PortName = 'selfSigned' }
            @{ PortName = 'weakKey' }
        ) {
            { Send-SecureMail @trust -Port $server.Ports.$PortName -Security ImplicitTls -Credential $server.Credential -From $alice -To $alice -Subject (New-TestSubject) -RetryCount 0 -ErrorAction Stop } |
                Should -Throw -ErrorId 'SmtpTools.CertificateRejected,SmtpTools.Commands.SendSecureMailCommand'
        }

        # All the test server's listeners are one Postfix, which takes back a TLS session another listener issued: a
        # client that resumes it would never see this listener's own (expired) certificate.
        It 'checks the certificate of each port, even after a session with another port of the same host' {
            Send-SecureMail @trust -Port $server.Ports.submissions -Security ImplicitTls -Credential $server.Credential -From $alice -To $alice -Subject (New-TestSubject)

            { Send-SecureMail @trust -Port $server.Ports.expired -Security ImplicitTls -Credential $server.Credential -From $alice -To $alice -Subject (New-TestSubject) -RetryCount 0 -ErrorAction Stop } |
                Should -Throw -ErrorId 'SmtpTools.CertificateRejected,SmtpTools.Commands.SendSecureMailCommand'
        }

        It 'sends through an RSA 1024-bit certificate only with -SkipCertificateStrengthCheck, and warns' {
            $result = Send-SecureMail @trust -Port $server.Ports.weakKey -Security ImplicitTls -Credential $server.Credential -From $alice -To $alice -Subject (New-TestSubject) -SkipCertificateStrengthCheck -PassThru -WarningVariable warned -WarningAction SilentlyContinue

            $result.Status | Should -Be 'Sent'
            $result.Certificate.Problems | Should -Be 'WeakKey'
            $warned | Should -Match 'SkipCertificateStrengthCheck'
        }

        It 'accepts a self-signed server pinned with -CertificateThumbprint' {
            $probe = Test-SmtpPort -ComputerName $server.Host -Port $server.Ports.selfSigned -SkipCertificateCheck -TimeoutSec 10 -WarningAction SilentlyContinue
            $thumbprint = $probe.Certificate.Thumbprint

            $result = Send-SecureMail -SmtpServer $server.Host -Port $server.Ports.selfSigned -Security ImplicitTls -CertificateThumbprint $thumbprint -Credential $server.Credential -From $alice -To $alice -Subject (New-TestSubject) -PassThru

            $result.Status | Should -Be 'Sent'
            $result.Certificate.IsPinned | Should -BeTrue
        }

        It 'keeps the password out of the protocol log' {
            $log = Join-Path -Path $TestDrive -ChildPath 'submission.log'

            Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -To $alice -Subject (New-TestSubject) -ProtocolLog $log

            $log | Should -FileContentMatch 'AUTH'
            $log | Should -Not -FileContentMatchExactly ([regex]::Escape($server.Password))
        }

        It 'refuses -AccessToken together with -Credential' {
            { Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -AccessToken 'not-a-real-token' -From $alice -To $alice -Subject (New-TestSubject) } |
                Should -Throw -ErrorId 'SmtpTools.ConflictingAuthentication,SmtpTools.Commands.SendSecureMailCommand'
        }
    }

    Context 'Scripts that used Send-MailMessage' {
        It 'accepts -UseSsl and takes the server from $PSEmailServer' {
            $PSEmailServer = $server.Host

            $result = Send-SecureMail -Port $server.Ports.submission -UseSsl -Credential $server.Credential -TrustedCertificate $server.CaFile -From $alice -To $alice -Subject (New-TestSubject) -Body 'Migrated.' -PassThru

            $result.Status | Should -Be 'Sent'
            $result.SmtpServer | Should -Be $server.Host
        }

        It 'sends one message per row of input' {
            $subject = New-TestSubject
            $rows = 1..3 | ForEach-Object { [pscustomobject]@{ To = $bob; Subject = "$subject row $_"; Body = "Row $_" } }

            $results = $rows | Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -PassThru

            $results | Should -HaveCount 3
            $results.Status | Should -Be @('Sent', 'Sent', 'Sent')
            Wait-SmtpTestMessage -Server $server -Address $bob -Marker "$subject row 3" | Should -Not -BeNullOrEmpty
        }

        It 'attaches every piped file to one message, as Send-MailMessage does' {
            $subject = New-TestSubject
            $reports = 1..3 | ForEach-Object {
                $path = Join-Path -Path $TestDrive -ChildPath "report$_.csv"
                Set-Content -Path $path -Value "Volume,FreeGB`nC,$_"
                $path
            }

            $results = Get-ChildItem -Path (Join-Path -Path $TestDrive -ChildPath 'report*.csv') |
                Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -To $bob -Subject $subject -PassThru

            $results | Should -HaveCount 1
            $results.Status | Should -Be 'Sent'
            $delivered = Wait-SmtpTestMessage -Server $server -Address $bob -Marker $subject
            [regex]::Matches($delivered, '(?im)^Content-Disposition: attachment;').Count | Should -Be 3
            foreach ($name in 'report1.csv', 'report2.csv', 'report3.csv') {
                $delivered | Should -Match "filename=`"?$([regex]::Escape($name))"
            }
            $inbox = Join-Path -Path $server.Maildir -ChildPath "$($server.Domain)/$($bob.Split('@')[0])/new"
            @(Get-ChildItem -Path $inbox -File | Where-Object { (Get-Content -Raw -Path $_.FullName).Contains($subject) }) | Should -HaveCount 1
        }

        It 'sends one message per piped file with ForEach-Object, as the help shows' {
            $subject = New-TestSubject
            'a', 'b' | ForEach-Object { Set-Content -Path (Join-Path -Path $TestDrive -ChildPath "each-$_.txt") -Value $_ }

            $results = Get-ChildItem -Path (Join-Path -Path $TestDrive -ChildPath 'each-*.txt') | ForEach-Object {
                Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -To $bob -Subject "$subject $($_.Name)" -Attachments $_.FullName -PassThru
            }

            $results | Should -HaveCount 2
            $results.Status | Should -Be @('Sent', 'Sent')
        }

        It 'takes empty CSV cells of optional columns as not given' {
            $subject = New-TestSubject
            $csv = Join-Path -Path $TestDrive -ChildPath 'empty-cells.csv'
            @(
                'To,Subject,Body,Cc,Bcc,ReplyTo,Attachments,HtmlBody,Priority,Port,Security,SmtpServer,DeliveryNotificationOption,BodyAsHtml'
                "$bob,$subject,Body of the row,,,,,,,,,,,"
            ) | Set-Content -Path $csv

            $result = Import-Csv -Path $csv | Send-SecureMail -TrustedCertificate $server.CaFile -TimeoutSec 10 -SmtpServer $server.Host -Port $server.Ports.submission -Credential $server.Credential -From $alice -PassThru

            $result.Status | Should -Be 'Sent'
            $delivered = Wait-SmtpTestMessage -Server $server -Address $bob -Marker $subject
            $delivered | Should -Not -Match '(?im)^Content-Disposition: attachment'
            $delivered | Should -Not -Match '(?im)^(Cc|Reply-To):'
            $delivered | Should -Not -Match '(?im)^Content-Type: text/html'
        }

        It 'names the input row when a row has no <Missing>' -ForEach @(
            @{ Missing = 'To'; Header = 'Subject,Body'; Row = 'Quarterly figures,See attachment'; Field = "Subject 'Quarterly figures'" }
            @{ Missing = 'Subject'; Header = 'To,Body'; Row = 'ops@smtptools.test,See attachment'; Field = 'To ops@smtptools.test' }
        ) {
            $csv = Join-Path -Path $TestDrive -ChildPath "no-$Missing.csv"
            @($Header, "$($Row)1", "$($Row)2") | Set-Content -Path $csv

            $results = Import-Csv -Path $csv | Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -PassThru -ErrorAction SilentlyContinue -ErrorVariable failures

            $results.Status | Should -Be @('Failed', 'Failed')
            $failures | Should -HaveCount 2
            $failures[0].FullyQualifiedErrorId | Should -Be 'SmtpTools.MissingField,SmtpTools.Commands.SendSecureMailCommand'
            $failures[1].ToString() | Should -BeLike "Input row 2 ($Field*) has no $Missing*add a $Missing column*-$Missing*"
        }

        It 'names the input row in an error of the batch' {
            $rows = @(
                [pscustomobject]@{ To = $alice; Subject = (New-TestSubject) }
                [pscustomobject]@{ To = 'not an address'; Subject = (New-TestSubject) }
            )

            $results = $rows | Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -PassThru -ErrorAction SilentlyContinue -ErrorVariable failures

            $results.Status | Should -Be @('Sent', 'Failed')
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'SmtpTools.InvalidAddress,SmtpTools.Commands.SendSecureMailCommand'
            $failures[0].ToString() | Should -BeLike 'Input row 2 (To not an address): *'
        }

        It 'exports results with their recipients to CSV, and to JSON without a warning' {
            $csv = Join-Path -Path $TestDrive -ChildPath 'sent.csv'
            $result = Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -To $alice, $bob -Subject (New-TestSubject) -PassThru

            $result | Export-Csv -Path $csv
            $json = $result | ConvertTo-Json -WarningVariable warned -WarningAction SilentlyContinue

            (Import-Csv -Path $csv).Recipients | Should -Be "$alice; $bob"
            (Import-Csv -Path $csv).AcceptedRecipients | Should -BeLike "*$bob*"
            $warned | Should -BeNullOrEmpty
            $json.Length | Should -BeLessThan 16KB
            ($json | ConvertFrom-Json).Recipients | Should -Contain $bob
        }

        It 'sends nothing with -WhatIf' {
            $subject = New-TestSubject

            Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -To $alice -Subject $subject -PassThru -WhatIf |
                Should -BeNullOrEmpty
            { Wait-SmtpTestMessage -Server $server -Address $alice -Marker $subject -TimeoutSec 2 } | Should -Throw
        }

        It 'sends through the port Test-SmtpPort recommends' {
            $recommendation = Test-SmtpPort -ComputerName $server.Host -Port $server.Ports.submission, $server.Ports.submissions -TrustedCertificate $server.CaFile -TimeoutSec 10 -Recommended

            $result = $recommendation | Send-SecureMail -Credential $server.Credential -TrustedCertificate $server.CaFile -From $alice -To $alice -Subject (New-TestSubject) -PassThru

            $result.Port | Should -Be $server.Ports.submissions
            $result.Security | Should -Be 'ImplicitTls'
            $result.Status | Should -Be 'Sent'
        }
    }

    Context 'Verbose and debug' {
        It 'writes -Verbose and -Debug lines in the order things happened' {
            $subject = New-TestSubject

            $lines = Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -To $alice -Subject $subject -Verbose -Debug 5>&1 4>&1 |
                ForEach-Object { $_.Message }

            $order = 'Connected to 127.0.0.1', '-> EHLO', '-> STARTTLS', 'TLS started', '~> EHLO', '~> AUTH', '~> MAIL FROM', 'queued as', '~> QUIT' |
                ForEach-Object {
                    $needle = $_
                    $at = 0..($lines.Count - 1) | Where-Object { $lines[$_].Contains($needle) } | Select-Object -First 1
                    $at | Should -Not -BeNullOrEmpty -Because "a line with '$needle' is written"
                    $at
                }
            $order | Should -Be ($order | Sort-Object)
        }
    }

    Context 'Failures' {
        It 'reports an unknown recipient by address and still delivers to the others' {
            $subject = New-TestSubject
            $nobody = "nobody@$($server.Domain)"

            $result = Send-SecureMail @trust -Port $server.Ports.submission -Credential $server.Credential -From $alice -To $alice, $nobody -Subject $subject -PassThru -ErrorAction SilentlyContinue -ErrorVariable failures

            $result.Status | Should -Be 'PartiallySent'
            $result.RejectedRecipients.Address | Should -Be $nobody
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'SmtpTools.RecipientRejected,SmtpTools.Commands.SendSecureMailCommand'
            Wait-SmtpTestMessage -Server $server -Address $alice -Marker $subject | Should -Not -BeNullOrEmpty
        }

        It 'says, when the default port 25 is refused, that submission uses 465/587 and -Recommended finds it' {
            if (Test-LoopbackPortListening -Port 25) { Set-ItResult -Skipped -Because 'something listens on 127.0.0.1:25 on this machine'; return }

            { Send-SecureMail -SmtpServer 127.0.0.1 -From $alice -To $alice -Subject (New-TestSubject) -RetryCount 0 -TimeoutSec 5 -ErrorAction Stop } |
                Should -Throw -ErrorId 'SmtpTools.ConnectionRefused,SmtpTools.Commands.SendSecureMailCommand' -ExpectedMessage "*refused*submission uses 465 (implicit TLS) or 587 (STARTTLS)*'Test-SmtpPort 127.0.0.1 -Recommended'*"
        }

        It 'refuses <Case> before connecting' -ForEach @(
            @{ Case = 'an invalid address'; To = 'not an address'; Headers = @{}; ErrorId = 'SmtpTools.InvalidAddress' }
            @{ Case = 'a header value with a line break'; To = 'ops@smtptools.test'; Headers = @{ 'X-Ticket' = "4711`r`nBcc: attacker@example.com" }; ErrorId = 'SmtpTools.HeaderInjection' }
        ) {
            { Send-SecureMail -SmtpServer $server.Host -Port $server.Ports.submission -From $alice -To $To -Headers $Headers -Subject (New-TestSubject) -ErrorAction Stop } |
                Should -Throw -ErrorId "$ErrorId,SmtpTools.Commands.SendSecureMailCommand"
        }
    }
}
