"""Task families of the "Active Directory" category."""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from psadmin.demo.corpus.vocabulary import Family

FAMILIES: tuple[Family, ...] = (
    Family(
        key="stale-accounts",
        category="Active Directory",
        name="Disable-StaleADAccounts",
        titles=(
            "Disable Inactive AD Users in {{Dept}}",
            "Stale Account Cleanup ({{InactiveDays}} Days)",
            "Inactive User Lockdown for {{SiteName}}",
        ),
        synopsis="Disables user accounts that have not logged on for a number of days.",
        description=(
            "Finds enabled users in an OU whose last logon is older than {{InactiveDays}} "
            "days, skips members of the exclusion group, disables them and stamps the reason "
            "in the description."
        ),
        purpose=(
            "Reduces the attack surface of {{Domain}} by disabling user accounts that have "
            "been inactive for {{InactiveDays}} days."
        ),
        tags=("active-directory", "user-management", "security", "cleanup"),
        params=r"""
SearchBase|string||'{{UserOU}}'|ValidateNotNullOrEmpty()|OU to search for inactive user accounts.
InactiveDays|int||{{InactiveDays}}|ValidateRange(30, 730)|Accounts without a logon for this many days are stale.
ExcludeGroup|string||'{{Dept}} Service Accounts'||Members of this group are never disabled.
?extra|DisabledOU|string||'OU=Disabled Users,{{DomainDN}}'||OU that disabled accounts are moved to.""",
        body=r"""
$excluded = Get-ADGroupMember -Identity $ExcludeGroup -Recursive |
    Select-Object -ExpandProperty SamAccountName
$timeSpan = New-TimeSpan -Days $InactiveDays
$stale = Search-ADAccount -AccountInactive -TimeSpan $timeSpan -UsersOnly -SearchBase $SearchBase |
    Where-Object { $_.Enabled -and $_.SamAccountName -notin $excluded }
?verbose|Write-Verbose "Found $(@($stale).Count) inactive accounts in $SearchBase"
?!verbose|Write-Host "Stale accounts: $(@($stale).Count)"
foreach ($user in $stale) {
    $note = "Disabled $(Get-Date -Format 'yyyy-MM-dd') after $InactiveDays days inactive"
?whatif|    if (-not $PSCmdlet.ShouldProcess($user.SamAccountName, 'Disable stale account')) { continue }
    Disable-ADAccount -Identity $user
    Set-ADUser -Identity $user -Description $note
?extra|    Move-ADObject -Identity $user.DistinguishedName -TargetPath $DisabledOU
}
$stale | Select-Object Name, SamAccountName, LastLogonDate""",
        example="-SearchBase '{{UserOU}}' -InactiveDays {{InactiveDays}}",
        modules=("ActiveDirectory",),
        slots={"InactiveDays": ("60", "90", "120", "180", "365")},
        commits={"extra": "Move disabled accounts to the Disabled Users OU"},
        risks=("Disabling an account that a service still uses causes an outage.",),
        insights=(
            "Search-ADAccount reads lastLogonTimestamp, which replicates only every 9-14 "
            "days; that is precise enough for a 60+ day window.",
        ),
    ),
    Family(
        key="bulk-user-import",
        category="Active Directory",
        name="New-ADUsersFromCsv",
        titles=(
            "Bulk Create AD Users from CSV ({{Dept}})",
            "New Starter Onboarding for {{SiteName}}",
            "Import New Hires into {{Domain}}",
        ),
        synopsis="Creates Active Directory users from a CSV file.",
        description=(
            "Reads new starters from a CSV file (FirstName, LastName, Department, Title), "
            "creates each account in the target OU with an initial password that must be "
            "changed at first logon, and skips accounts that already exist."
        ),
        purpose=(
            "Onboards new {{Dept}} staff in bulk by creating their AD accounts from the HR export."
        ),
        tags=("active-directory", "user-management", "csv", "automation", "credentials"),
        params=r"""
CsvPath|string|M||ValidateScript({ Test-Path -Path $_ -PathType Leaf })|CSV with FirstName, LastName, Department and Title columns.
TargetOU|string||'{{UserOU}}'||OU for the new accounts.
?secure|PasswordLength|int||16|ValidateRange(12, 64)|Length of the random initial password.""",
        body=r"""
?!secure|$defaultPassword = ConvertTo-SecureString '{{WeakPassword}}' -AsPlainText -Force
$users = Import-Csv -Path $CsvPath
foreach ($row in $users) {
    $sam = ('{0}.{1}' -f $row.FirstName, $row.LastName).ToLower() -replace '[^a-z.]', ''
    if (Get-ADUser -Filter "SamAccountName -eq '$sam'") {
        Write-Warning "$sam already exists, skipping"
        continue
    }
?secure|    $password = New-Object -TypeName System.Security.SecureString
?secure|    1..$PasswordLength | ForEach-Object {
?secure|        $password.AppendChar([char](Get-Random -Minimum 33 -Maximum 127))
?secure|    }
    $newUser = @{
        Name                  = "$($row.FirstName) $($row.LastName)"
        GivenName             = $row.FirstName
        Surname               = $row.LastName
        SamAccountName        = $sam
        UserPrincipalName     = "$sam@{{MailDomain}}"
        Department            = $row.Department
        Title                 = $row.Title
        Path                  = $TargetOU
?secure|        AccountPassword       = $password
?!secure|        AccountPassword       = $defaultPassword
        ChangePasswordAtLogon = $true
        Enabled               = $true
    }
?whatif|    if (-not $PSCmdlet.ShouldProcess($sam, 'Create AD user')) { continue }
    New-ADUser @newUser
?verbose|    Write-Verbose "Created $sam in $TargetOU"
?!verbose|    Write-Host "Created $sam" -ForegroundColor Green
?extra|    if ($row.Manager) {
?extra|        Set-ADUser -Identity $sam -Manager $row.Manager
?extra|    }
}""",
        example="-CsvPath .\\new-starters.csv -TargetOU '{{UserOU}}'",
        modules=("ActiveDirectory",),
        slots={
            "WeakPassword": (
                "Welcome2024!",
                "Summer2024!",
                "Passw0rd!",
                "Changeme123!",
                "Winter2023#",
                "Start#1234",
            ),
        },
        commits={
            "extra": "Set the manager when the CSV provides one",
            "secure": "Generate a random initial password per user",
        },
        risks=("Creates enabled accounts; a malformed CSV can create many wrong users.",),
    ),
    Family(
        key="password-expiry",
        category="Active Directory",
        name="Send-PasswordExpiryReminder",
        titles=(
            "Password Expiry Reminder Emails for {{Dept}}",
            "Notify Users Before Their Password Expires ({{Org}})",
            "AD Password Expiry Notifications for {{SiteName}}",
        ),
        synopsis="Emails users whose AD password expires soon.",
        description=(
            "Computes each user's password expiry from msDS-UserPasswordExpiryTimeComputed "
            "and emails a reminder on the configured days before it expires."
        ),
        purpose=(
            "Reduces helpdesk lockout calls by reminding {{Org}} users to change their "
            "password before it expires."
        ),
        tags=("active-directory", "email", "user-management", "scheduled-task"),
        params=r"""
DaysBeforeExpiry|int[]||{{Reminders}}|ValidateNotNullOrEmpty()|Send a reminder when this many days are left.
SearchBase|string||'{{UserOU}}'||OU with the users to notify.
SmtpServer|string||'{{Smtp}}'||SMTP relay.""",
        body=r"""
$expiryAttribute = 'msDS-UserPasswordExpiryTimeComputed'
$filter = 'Enabled -eq $true -and PasswordNeverExpires -eq $false'
$users = Get-ADUser -SearchBase $SearchBase -Filter $filter -Properties EmailAddress, $expiryAttribute
foreach ($user in $users) {
    $expires = [datetime]::FromFileTime($user.$expiryAttribute)
    $daysLeft = ($expires - (Get-Date)).Days
    if ($daysLeft -notin $DaysBeforeExpiry -or -not $user.EmailAddress) { continue }
    $mail = @{
        SmtpServer = $SmtpServer
        From       = '{{MailFrom}}'
        To         = $user.EmailAddress
        Subject    = "Your {{Org}} password expires in $daysLeft day(s)"
        Body       = "Hi $($user.GivenName), please change your password by $($expires.ToString('d'))."
        Priority   = if ($daysLeft -le 1) { 'High' } else { 'Normal' }
    }
?whatif|    if (-not $PSCmdlet.ShouldProcess($user.EmailAddress, 'Send reminder')) { continue }
    Send-MailMessage @mail
?verbose|    Write-Verbose "Reminded $($user.SamAccountName) ($daysLeft days left)"
?extra|    Add-Content -Path '{{LogRoot}}\PasswordReminders.log' `
?extra|        -Value "$(Get-Date -Format s) $($user.SamAccountName) $daysLeft"
}""",
        example="-DaysBeforeExpiry 7, 3, 1",
        modules=("ActiveDirectory",),
        slots={"Reminders": ("@(14, 7, 3, 1)", "@(10, 5, 1)", "@(7, 3, 1)", "@(14, 7, 1)")},
        commits={"extra": "Keep a log of the reminders sent"},
        insights=(
            "msDS-UserPasswordExpiryTimeComputed already accounts for fine-grained password "
            "policies, unlike MaxPasswordAge arithmetic.",
        ),
    ),
    Family(
        key="group-membership",
        category="Active Directory",
        name="Export-ADGroupMembership",
        titles=(
            "AD Group Membership Report for {{Dept}}",
            "Export Nested Group Members ({{Org}})",
            "Privileged Group Membership Review for {{Domain}}",
        ),
        synopsis="Exports the user members of AD groups, optionally including nested groups.",
        description=(
            "Expands each group, resolves its user members with department, title and last "
            "logon, and exports the result for access reviews."
        ),
        purpose=(
            "Produces the quarterly access review of {{Dept}} groups with each member's "
            "department and last logon."
        ),
        tags=("active-directory", "reporting", "auditing", "csv"),
        params=r"""
GroupName|string[]|M||ValidateNotNullOrEmpty()|Groups to report on.
Recursive|switch||||Include members of nested groups.
?export|ExportPath|string||'{{ReportDir}}\GroupMembers-{{Site}}.csv'||CSV output path.""",
        body=r"""
$rows = foreach ($group in $GroupName) {
?verbose|    Write-Verbose "Expanding $group"
    $adGroup = Get-ADGroup -Identity $group -Properties Description, ManagedBy
    Get-ADGroupMember -Identity $adGroup -Recursive:$Recursive |
        Where-Object objectClass -eq 'user' |
        Get-ADUser -Properties Department, Title, LastLogonDate |
        Select-Object @{ n = 'Group'; e = { $adGroup.Name } }, Name, SamAccountName,
            Department, Title, Enabled, LastLogonDate
}
?extra|$rows = $rows | Sort-Object Group, SamAccountName -Unique
?export|$rows | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
?export,verbose|Write-Verbose "Exported $(@($rows).Count) memberships to $ExportPath"
$rows""",
        example="-GroupName '{{Dept}} Users', 'Domain Admins' -Recursive",
        modules=("ActiveDirectory",),
        commits={"extra": "Drop duplicate rows for users reached through several groups"},
    ),
    Family(
        key="locked-accounts",
        category="Active Directory",
        name="Get-LockedOutUsers",
        titles=(
            "Locked-Out Accounts with Lockout Source ({{Domain}})",
            "Find and Unlock Locked AD Users in {{Dept}}",
            "Account Lockout Investigation for {{SiteName}}",
        ),
        synopsis="Lists locked-out users and the computer that caused the lockout.",
        description=(
            "Finds locked-out users, reads lockout time and bad logon count from the PDC "
            "emulator and looks up event 4740 to show the caller computer."
        ),
        purpose=(
            "Speeds up lockout tickets by showing which computer keeps locking a user out, "
            "and optionally unlocks the accounts."
        ),
        tags=("active-directory", "security", "event-log", "user-management"),
        params=r"""
Server|string||'{{DC}}'||Domain controller to search.
?extra|Unlock|switch||||Unlock the accounts after reporting them.""",
        body=r"""
$pdc = (Get-ADDomain).PDCEmulator
$locked = Search-ADAccount -LockedOut -UsersOnly -Server $Server
$report = foreach ($account in $locked) {
    $user = Get-ADUser -Identity $account -Server $pdc -Properties LockoutTime, BadLogonCount
    $lockEvent = Get-WinEvent -ComputerName $pdc -MaxEvents 1 -ErrorAction SilentlyContinue `
        -FilterHashtable @{ LogName = 'Security'; Id = 4740; Data = $user.SamAccountName }
    [pscustomobject]@{
        SamAccountName = $user.SamAccountName
        LockedAt       = [datetime]::FromFileTime($user.LockoutTime)
        BadLogonCount  = $user.BadLogonCount
        CallerComputer = $lockEvent.Properties[1].Value
    }
}
?extra|if ($Unlock) {
?extra|    foreach ($row in $report) {
?extra,whatif|        if (-not $PSCmdlet.ShouldProcess($row.SamAccountName, 'Unlock account')) { continue }
?extra|        Unlock-ADAccount -Identity $row.SamAccountName -Server $pdc
?extra|    }
?extra|}
?verbose|Write-Verbose "$(@($report).Count) locked accounts"
?!verbose|Write-Host "$(@($report).Count) locked accounts" -ForegroundColor Cyan
$report | Sort-Object LockedAt -Descending""",
        example="-Server {{DC}}",
        modules=("ActiveDirectory",),
        commits={"extra": "Add -Unlock switch"},
    ),
)
