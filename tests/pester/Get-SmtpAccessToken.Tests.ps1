#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'BuiltModule.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestServer.ps1')
    Import-Module -Name (Get-BuiltSmtpToolsManifest) -Force -ErrorAction Stop
    $server = Start-SmtpTestServer
    $alice = $server.User
    $trust = @{ SmtpServer = $server.Host; TrustedCertificate = $server.CaFile; TimeoutSec = 10 }

    function New-TestSubject { "Pester $([guid]::NewGuid().ToString('N'))" }

    # A token as Entra ID would issue it to an app, signed with the key the test Dovecot trusts (the identity
    # provider of the xunit suites does the same; here the claims are written directly).
    function New-TestAccessToken {
        param([hashtable] $Claims = @{})
        $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        $body = [ordered]@{
            iss = 'https://sts.windows.net/11111111-2222-3333-4444-555555555555/'
            aud = 'https://outlook.office365.com'
            tid = '11111111-2222-3333-4444-555555555555'
            appid = '99999999-8888-7777-6666-555555555555'
            sub = 'pester-app'; idtyp = 'app'; roles = 'SMTP.SendAsApp'; smtp_mailbox = $alice
            iat = $now - 60; nbf = $now - 60; exp = $now + 3600
        }
        foreach ($name in $Claims.Keys) { $body[$name] = $Claims[$name] }
        $encode = { param($text) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($text)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        $unsigned = (& $encode (@{ alg = 'RS256'; typ = 'JWT'; kid = $server.TokenKeyId } | ConvertTo-Json -Compress)) + '.' + (& $encode ($body | ConvertTo-Json -Compress))
        $key = [System.Security.Cryptography.RSA]::Create()
        try {
            $key.ImportFromPem((Get-Content -Raw -Path $server.TokenSigningKeyFile))
            $signature = $key.SignData([Text.Encoding]::ASCII.GetBytes($unsigned), [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        } finally {
            $key.Dispose()
        }
        $unsigned + '.' + [Convert]::ToBase64String($signature).TrimEnd('=').Replace('+', '-').Replace('/', '_')
    }
}

AfterAll {
    Stop-SmtpTestServer -Server $server
    Remove-Module -Name SmtpTools -ErrorAction Ignore
}

Describe 'Get-SmtpAccessToken' {
    Context 'Input checked before any network I/O' {
        It 'refuses a client id that is not a GUID' {
            { Get-SmtpAccessToken -TenantId contoso.com -ClientId 'my-app' -ClientSecret 'x' } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,SmtpTools.Commands.GetSmtpAccessTokenCommand'
        }

        It 'says when the certificate is not in the store' {
            $err = $null
            Get-SmtpAccessToken -TenantId contoso.com -ClientId ([guid]::NewGuid()) -CertificateThumbprint ('AB' * 20) -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'SmtpTools.CertificateNotFound,SmtpTools.Commands.GetSmtpAccessTokenCommand'
            $err[0].ErrorDetails.Message | Should -BeLike '*Import-PfxCertificate*'
        }

        It 'names a key file that is not a Google service account key' {
            $file = Join-Path -Path ([IO.Path]::GetTempPath()) -ChildPath "pester-$([guid]::NewGuid()).json"
            Set-Content -Path $file -Value '{"type": "authorized_user"}'
            try {
                $err = $null
                Get-SmtpAccessToken -ServiceAccountKeyFile $file -Subject $alice -ErrorVariable err -ErrorAction SilentlyContinue
                $err[0].ErrorDetails.Message | Should -BeLike '*is not "service_account"*'
            } finally {
                Remove-Item -Path $file
            }
        }
    }
}

Describe 'Send-SecureMail -AccessToken' {
    It 'sends with a token that Dovecot validated' {
        $subject = New-TestSubject
        $result = Send-SecureMail @trust -Port $server.Ports.submission -AccessToken (New-TestAccessToken) -From $alice -To $alice -Subject $subject -Body 'OAuth' -PassThru
        $result.Status | Should -Be 'Sent'
        $result.AuthenticatedAs | Should -Be $alice
        Wait-SmtpTestMessage -Server $server -Address $alice -Marker $subject | Should -BeLike "*Authenticated sender: $alice*"
    }

    It 'names the audience when the token is for Microsoft Graph' {
        $err = $null
        $token = New-TestAccessToken -Claims @{ aud = 'https://graph.microsoft.com' }
        Send-SecureMail @trust -Port $server.Ports.submission -AccessToken $token -From $alice -To $alice -Subject (New-TestSubject) -RetryCount 0 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpTools.AuthenticationFailed,*'
        $err[0].ErrorDetails.Message | Should -BeLike '*Microsoft Graph (aud https://graph.microsoft.com), not Exchange Online*'
    }

    It 'names the missing SMTP.SendAsApp role' {
        $err = $null
        $token = New-TestAccessToken -Claims @{ roles = 'Mail.Send' }
        Send-SecureMail @trust -Port $server.Ports.submission -AccessToken $token -From $alice -To $alice -Subject (New-TestSubject) -RetryCount 0 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].ErrorDetails.Message | Should -BeLike '*has no SMTP.SendAsApp role*'
    }

    It 'never shows the token' {
        $token = New-TestAccessToken -Claims @{ roles = 'Mail.Send' }
        $everything = Send-SecureMail @trust -Port $server.Ports.submission -AccessToken $token -From $alice -To $alice -Subject (New-TestSubject) -RetryCount 0 -Verbose -ErrorAction Continue *>&1 | Out-String
        $everything | Should -Not -BeLike "*$($token.Split('.')[2])*"
    }
}
