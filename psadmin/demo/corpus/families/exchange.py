"""Task families of the "Exchange & Microsoft 365" category."""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from psadmin.demo.corpus.vocabulary import Family

FAMILIES: tuple[Family, ...] = (
    Family(
        key="mailbox-size",
        category="Exchange & Microsoft 365",
        name="Get-MailboxSizeReport",
        titles=(
            "Mailbox Size Report for {{Org}}",
            "Large Mailboxes Over {{WarnGB}} GB",
            "Exchange Online Mailbox Usage ({{Dept}})",
        ),
        synopsis="Reports mailbox sizes and flags large mailboxes.",
        description=(
            "Reads size, item count and last logon of every mailbox of the chosen type and "
            "flags those larger than {{WarnGB}} GB."
        ),
        purpose=("Finds {{Org}} mailboxes close to their quota so they can be archived in time."),
        tags=("exchange-online", "mailbox", "reporting", "csv"),
        params=r"""
WarningGB|int||{{WarnGB}}|ValidateRange(1, 100)|Flag mailboxes larger than this.
RecipientType|string||'UserMailbox'|ValidateSet('UserMailbox', 'SharedMailbox', 'RoomMailbox')|Mailbox type to include.
?export|ExportPath|string||'{{ReportDir}}\MailboxSizes.csv'||CSV output path.""",
        body=r"""
?modern|Connect-ExchangeOnline -UserPrincipalName '{{AdminUpn}}' -ShowBanner:$false
?!modern|$session = New-PSSession -ConfigurationName Microsoft.Exchange -Authentication Kerberos `
?!modern|    -ConnectionUri 'http://{{ExServer}}/PowerShell/'
?!modern|Import-PSSession -Session $session -DisableNameChecking | Out-Null
?modern|$mailboxes = Get-EXOMailbox -RecipientTypeDetails $RecipientType -ResultSize Unlimited
?!modern|$mailboxes = Get-Mailbox -RecipientTypeDetails $RecipientType -ResultSize Unlimited
$report = foreach ($mailbox in $mailboxes) {
?modern|    $stats = Get-EXOMailboxStatistics -Identity $mailbox.UserPrincipalName
?!modern|    $stats = Get-MailboxStatistics -Identity $mailbox.UserPrincipalName
    $sizeText = $stats.TotalItemSize.Value.ToString()
    $bytes = [int64](($sizeText -replace '.*\(([\d,]+) bytes\).*', '$1') -replace ',', '')
    [pscustomobject]@{
        DisplayName = $mailbox.DisplayName
        Upn         = $mailbox.UserPrincipalName
        Items       = $stats.ItemCount
        SizeGB      = [math]::Round($bytes / 1GB, 2)
        LastLogon   = $stats.LastLogonTime
    }
}
$large = $report | Where-Object SizeGB -gt $WarningGB
?verbose|Write-Verbose "$(@($large).Count) mailboxes exceed $WarningGB GB"
?export|$report | Sort-Object SizeGB -Descending | Export-Csv -Path $ExportPath -NoTypeInformation
?extra,modern|Disconnect-ExchangeOnline -Confirm:$false
$large | Sort-Object SizeGB -Descending""",
        example="-WarningGB {{WarnGB}}",
        modules=("ExchangeOnlineManagement",),
        slots={"WarnGB": ("20", "30", "40", "45")},
        commits={
            "extra": "Disconnect the session when done",
            "modern": "Move to the EXO V3 REST cmdlets",
        },
        insights=(
            "Get-EXOMailbox and Get-EXOMailboxStatistics use the REST API and are much faster "
            "than the remote PowerShell cmdlets for large tenants.",
        ),
    ),
    Family(
        key="license-report",
        category="Exchange & Microsoft 365",
        name="Get-M365LicenseReport",
        titles=(
            "Microsoft 365 License Usage Report ({{Org}})",
            "Unused M365 Licenses in {{Dept}}",
            "License Assignment Audit via Microsoft Graph",
        ),
        synopsis="Reports purchased, assigned and unused Microsoft 365 licences.",
        description=(
            "Uses Microsoft Graph to list purchased and consumed units per SKU and every "
            "licensed user with department and last sign-in."
        ),
        purpose=(
            "Reclaims unused Microsoft 365 licences at {{Org}} by showing assignments and "
            "inactive licensed users."
        ),
        tags=("microsoft-365", "licensing", "microsoft-graph", "reporting", "csv"),
        params=r"""
SkuPartNumber|string[]||{{Skus}}||License SKUs to report on.
?extra|InactiveDays|int||{{Days}}|ValidateRange(7, 365)|Flag licensed users inactive for this many days.
?export|ExportPath|string||'{{ReportDir}}\Licenses.csv'||CSV output path.""",
        body=r"""
Connect-MgGraph -Scopes 'User.Read.All', 'Organization.Read.All', 'AuditLog.Read.All' -NoWelcome
$skus = Get-MgSubscribedSku | Where-Object SkuPartNumber -in $SkuPartNumber
$summary = $skus | Select-Object SkuPartNumber,
    @{ n = 'Purchased'; e = { $_.PrepaidUnits.Enabled } },
    @{ n = 'Assigned'; e = { $_.ConsumedUnits } },
    @{ n = 'Available'; e = { $_.PrepaidUnits.Enabled - $_.ConsumedUnits } }
$properties = 'DisplayName', 'UserPrincipalName', 'AssignedLicenses', 'SignInActivity', 'Department'
$users = Get-MgUser -All -Property $properties -Filter 'assignedLicenses/$count ne 0' `
    -ConsistencyLevel eventual -CountVariable licensedCount
?verbose|Write-Verbose "$licensedCount licensed users"
$assignments = foreach ($user in $users) {
    $userSkus = $skus | Where-Object SkuId -in $user.AssignedLicenses.SkuId
    foreach ($sku in $userSkus) {
        [pscustomobject]@{
            User       = $user.UserPrincipalName
            Department = $user.Department
            Sku        = $sku.SkuPartNumber
            LastSignIn = $user.SignInActivity.LastSignInDateTime
        }
    }
}
?extra|$cutoff = (Get-Date).AddDays(-$InactiveDays)
?extra|$inactive = $assignments | Where-Object { $_.LastSignIn -and $_.LastSignIn -lt $cutoff }
?extra|Write-Warning "$(@($inactive).Count) licences belong to users inactive for $InactiveDays days"
?export|$assignments | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
?!verbose|Write-Host "$(@($assignments).Count) assignments" -ForegroundColor Cyan
$summary""",
        example="-SkuPartNumber {{Skus}}",
        modules=("Microsoft.Graph.Users", "Microsoft.Graph.Identity.DirectoryManagement"),
        slots={
            "Skus": (
                "'SPE_E3', 'SPE_E5'",
                "'ENTERPRISEPACK'",
                "'O365_BUSINESS_PREMIUM', 'EMS'",
                "'SPE_E3', 'POWER_BI_PRO'",
                "'ENTERPRISEPREMIUM', 'VISIOCLIENT'",
            ),
            "Days": ("30", "60", "90"),
        },
        commits={"extra": "Flag licences held by inactive users"},
        ps_version="7.2",
    ),
    Family(
        key="shared-mailbox",
        category="Exchange & Microsoft 365",
        name="Grant-SharedMailboxAccess",
        titles=(
            "Grant Access to the {{SharedBox}} Shared Mailbox",
            "Shared Mailbox Permission Grant ({{Dept}})",
            "Add Full Access and Send As for {{SharedBox}}",
        ),
        synopsis="Grants users Full Access (and optionally Send As) on a shared mailbox.",
        description=(
            "Connects to Exchange Online, grants the listed users the requested permission "
            "on the shared mailbox with auto-mapping and shows the resulting permissions."
        ),
        purpose=(
            "Handles access requests for the {{SharedBox}} shared mailbox of the {{Dept}} team."
        ),
        tags=("exchange-online", "mailbox", "permissions", "credentials"),
        params=r"""
Mailbox|string||'{{SharedBox}}@{{MailDomain}}'|ValidateNotNullOrEmpty()|Shared mailbox.
User|string[]|M||ValidateNotNullOrEmpty()|Users who get access.
AccessRights|string||'FullAccess'|ValidateSet('FullAccess', 'ReadPermission')|Mailbox permission to grant.
?extra|SendAs|switch||||Also grant Send As.""",
        body=r"""
?secure|Connect-ExchangeOnline -CertificateThumbprint '{{Thumbprint}}' -AppId '{{AppId}}' `
?secure|    -Organization '{{Tenant}}' -ShowBanner:$false
?!secure|$securePassword = ConvertTo-SecureString '{{WeakPassword}}' -AsPlainText -Force
?!secure|$cred = New-Object System.Management.Automation.PSCredential('{{AdminUpn}}', $securePassword)
?!secure|Connect-ExchangeOnline -Credential $cred -ShowBanner:$false
$target = Get-EXOMailbox -Identity $Mailbox -RecipientTypeDetails SharedMailbox
foreach ($u in $User) {
?whatif|    if (-not $PSCmdlet.ShouldProcess($target.PrimarySmtpAddress, "Grant to $u")) { continue }
    Add-MailboxPermission -Identity $target.Identity -User $u -AccessRights $AccessRights `
        -InheritanceType All -AutoMapping $true | Out-Null
?extra|    if ($SendAs) {
?extra|        Add-RecipientPermission -Identity $target.Identity -Trustee $u -AccessRights SendAs `
?extra|            -Confirm:$false | Out-Null
?extra|    }
?verbose|    Write-Verbose "Granted $AccessRights on $($target.PrimarySmtpAddress) to $u"
?!verbose|    Write-Host "Granted $AccessRights to $u"
}
Get-EXOMailboxPermission -Identity $target.Identity |
    Where-Object { $_.User -notlike 'NT AUTHORITY\*' } |
    Select-Object Identity, User, AccessRights""",
        example="-Mailbox {{SharedBox}}@{{MailDomain}} -User someone@{{MailDomain}}",
        modules=("ExchangeOnlineManagement",),
        slots={
            "SharedBox": (
                "accounts-payable",
                "helpdesk",
                "reception",
                "hr-inbox",
                "sales-leads",
                "invoices",
                "it-alerts",
            ),
            "Thumbprint": (
                "3A1F9C0D5E7B2A4C6D8E0F1A2B3C4D5E6F708192",
                "B7C2E91F0A3D5C7E9F1B3D5F7A9C1E3B5D7F9A1C",
            ),
            "WeakPassword": ("Exchange2024!", "Admin#2023", "M365Adm!n1"),
        },
        commits={
            "extra": "Add -SendAs",
            "secure": "Use certificate-based app authentication",
        },
        risks=("Full Access lets the user read every item in the mailbox.",),
    ),
    Family(
        key="forwarding-audit",
        category="Exchange & Microsoft 365",
        name="Get-MailForwardingAudit",
        titles=(
            "External Mail Forwarding Audit ({{Org}})",
            "Find Inbox Rules Forwarding Outside {{MailDomain}}",
            "Mailbox Forwarding Exfiltration Check",
        ),
        synopsis="Finds mailboxes and inbox rules that forward mail to external domains.",
        description=(
            "Checks mailbox-level forwarding and, optionally, inbox rules for forwarding or "
            "redirecting to domains outside the allowed list, a common sign of compromised "
            "accounts."
        ),
        purpose=("Detects data exfiltration through external forwarding from {{Org}} mailboxes."),
        tags=("exchange-online", "security", "auditing", "mailbox", "csv"),
        params=r"""
AllowedDomain|string[]||@('{{MailDomain}}', '{{Tenant}}')||Domains that forwarding may target.
?extra|IncludeInboxRules|switch||||Also inspect inbox rules that forward or redirect mail.
?export|ExportPath|string||'{{ReportDir}}\ForwardingAudit.csv'||CSV output path.""",
        body=r"""
Connect-ExchangeOnline -UserPrincipalName '{{AdminUpn}}' -ShowBanner:$false
$isExternal = {
    param($address)
    $domain = ($address -replace '^smtp:', '' -split '@')[-1]
    $domain -and $domain -notin $AllowedDomain
}
$findings = [System.Collections.Generic.List[object]]::new()
$mailboxes = Get-EXOMailbox -ResultSize Unlimited -Properties ForwardingSmtpAddress, DeliverToMailboxAndForward
$forwarding = $mailboxes | Where-Object ForwardingSmtpAddress
foreach ($mb in $forwarding) {
    if (-not (& $isExternal $mb.ForwardingSmtpAddress)) { continue }
    $findings.Add([pscustomobject]@{
            Mailbox  = $mb.UserPrincipalName
            Type     = 'Mailbox forwarding'
            Target   = $mb.ForwardingSmtpAddress
            KeepCopy = $mb.DeliverToMailboxAndForward
        })
}
?extra|if ($IncludeInboxRules) {
?extra|    foreach ($mb in $mailboxes) {
?extra|        $rules = Get-InboxRule -Mailbox $mb.UserPrincipalName -ErrorAction SilentlyContinue |
?extra|            Where-Object { $_.ForwardTo -or $_.RedirectTo -or $_.ForwardAsAttachmentTo }
?extra|        foreach ($rule in $rules) {
?extra|            $targets = @($rule.ForwardTo) + @($rule.RedirectTo) + @($rule.ForwardAsAttachmentTo)
?extra|            $findings.Add([pscustomobject]@{
?extra|                    Mailbox  = $mb.UserPrincipalName
?extra|                    Type     = "Inbox rule '$($rule.Name)'"
?extra|                    Target   = $targets -join ', '
?extra|                    KeepCopy = $null
?extra|                })
?extra|        }
?extra|    }
?extra|}
?verbose|Write-Verbose "$($findings.Count) external forwarding rules found"
?!verbose|Write-Host "$($findings.Count) findings" -ForegroundColor Yellow
?export|$findings | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
$findings""",
        example="-AllowedDomain {{MailDomain}}",
        modules=("ExchangeOnlineManagement",),
        commits={"extra": "Also check inbox rules"},
        insights=("A generic List avoids re-copying the array on every += while findings grow.",),
    ),
)
