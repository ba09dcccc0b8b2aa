"""Task families of the "Security & Compliance" category."""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from psadmin.demo.corpus.vocabulary import Family

FAMILIES: tuple[Family, ...] = (
    Family(
        key="failed-logons",
        category="Security & Compliance",
        name="Get-FailedLogonReport",
        titles=(
            "Failed Logon Report (Event 4625) for {{SiteName}}",
            "Brute-Force Detection on {{DC}}",
            "Repeated Failed Logons in the Last {{Hours}} Hours",
        ),
        synopsis="Summarises failed logons (event 4625) per account.",
        description=(
            "Reads event 4625 from the Security log of the given domain controllers, groups "
            "the failures by account and lists the source addresses, to spot password spraying "
            "and misconfigured services."
        ),
        purpose=(
            "Detects password spraying and stale service credentials by counting failed "
            "logons per account over the last {{Hours}} hours."
        ),
        tags=("security", "auditing", "event-log", "active-directory", "email"),
        params=r"""
ComputerName|string[]||'{{DC}}'|ValidateNotNullOrEmpty()|Domain controllers or servers whose Security log is read.
Hours|int||{{Hours}}|ValidateRange(1, 720)|How far back to look.
MinimumFailures|int||{{MinFail}}|ValidateRange(1, 1000)|Only report accounts with at least this many failures.
?export|ExportPath|string||'{{ReportDir}}\FailedLogons.csv'||CSV file for the report.""",
        body=r"""
$filter = @{
    LogName   = 'Security'
    Id        = 4625
    StartTime = (Get-Date).AddHours(-$Hours)
}
$events = foreach ($computer in $ComputerName) {
?verbose|    Write-Verbose "Reading event 4625 from $computer"
?modern|    Get-WinEvent -ComputerName $computer -FilterHashtable $filter -ErrorAction SilentlyContinue
?!modern|    Get-EventLog -ComputerName $computer -LogName Security -InstanceId 4625 -After $filter.StartTime
}
$report = $events | ForEach-Object {
    [pscustomobject]@{
?modern|        Account  = $_.Properties[5].Value
?modern|        SourceIp = $_.Properties[19].Value
?!modern|        Account  = $_.ReplacementStrings[5]
?!modern|        SourceIp = $_.ReplacementStrings[19]
        Computer = $_.MachineName
    }
} | Group-Object Account | Where-Object Count -ge $MinimumFailures |
    Sort-Object Count -Descending |
    Select-Object @{ n = 'Account'; e = { $_.Name } }, Count,
        @{ n = 'Sources'; e = { ($_.Group.SourceIp | Sort-Object -Unique) -join ', ' } }
?export|$report | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
?extra|if ($report) {
?extra|    $body = $report | ConvertTo-Html -Title 'Failed logons' | Out-String
?extra|    Send-MailMessage -SmtpServer '{{Smtp}}' -From '{{MailFrom}}' -To '{{MailTo}}' -BodyAsHtml `
?extra|        -Subject "{{Org}}: $(@($report).Count) accounts with failed logons" -Body $body
?extra|}
$report""",
        example="-ComputerName {{DC}} -Hours {{Hours}} -MinimumFailures {{MinFail}}",
        slots={
            "Hours": ("12", "24", "48", "72", "168"),
            "MinFail": ("3", "5", "10", "20"),
        },
        commits={
            "extra": "Email the security team a summary",
            "modern": "Use Get-WinEvent with a filter hashtable",
        },
        insights=(
            "-FilterHashtable filters on the server; reading the whole Security log and "
            "filtering with Where-Object is far slower.",
        ),
    ),
    Family(
        key="local-admins",
        category="Security & Compliance",
        name="Get-LocalAdminAudit",
        titles=(
            "Local Administrators Audit for {{SiteName}}",
            "Unexpected Local Admins on {{Dept}} Servers",
            "Privileged Local Group Review ({{Env}})",
        ),
        synopsis="Lists unexpected members of the local Administrators group.",
        description=(
            "Reads the local Administrators group on each computer and reports every member "
            "that is not on the approved list; can remove them on request."
        ),
        purpose=(
            "Enforces least privilege by finding accounts in local Administrators that are not "
            "approved for {{Dept}} servers."
        ),
        tags=("security", "auditing", "permissions", "remoting", "compliance"),
        params=r"""
ComputerName|string[]|M||ValidateNotNullOrEmpty()|Computers to audit.
ApprovedMember|string[]||@('{{NetBIOS}}\Domain Admins', '{{NetBIOS}}\{{Dept}} Server Admins')||Members expected in the Administrators group.
?extra|Remediate|switch||||Remove members that are not approved.
?export|ExportPath|string||'{{ReportDir}}\LocalAdmins.csv'||CSV file for unexpected members.""",
        body=r"""
$members = Invoke-Command -ComputerName $ComputerName -ErrorAction Continue -ScriptBlock {
    Get-LocalGroupMember -Group 'Administrators' |
        Select-Object Name, ObjectClass, PrincipalSource
}
$unexpected = $members | Where-Object {
    $_.Name -notin $ApprovedMember -and $_.Name -notlike '*\Administrator'
}
foreach ($entry in $unexpected) {
    $member = $entry.Name
?verbose|    Write-Verbose "$($entry.PSComputerName): unexpected member $member"
?!verbose|    Write-Host "$($entry.PSComputerName): $member" -ForegroundColor Red
?extra|    if (-not $Remediate) { continue }
?extra,whatif|    if (-not $PSCmdlet.ShouldProcess($entry.PSComputerName, "Remove $member")) { continue }
?extra|    Invoke-Command -ComputerName $entry.PSComputerName -ScriptBlock {
?extra|        Remove-LocalGroupMember -Group 'Administrators' -Member $using:member
?extra|    }
}
?export|$unexpected | Select-Object PSComputerName, Name, ObjectClass, PrincipalSource |
?export|    Export-Csv -Path $ExportPath -NoTypeInformation
$unexpected""",
        example="-ComputerName {{Server1}}, {{Server2}}",
        commits={"extra": "Add -Remediate to remove unapproved members"},
        risks=("Removing the wrong member can lock administrators out of a server.",),
    ),
    Family(
        key="cert-expiry",
        category="Security & Compliance",
        name="Get-ExpiringCertificates",
        titles=(
            "Certificate Expiry Check for {{SiteName}} Web Servers",
            "Expiring TLS Certificates Within {{Days}} Days",
            "Machine Certificate Store Audit ({{Env}})",
        ),
        synopsis="Finds machine certificates that expire soon.",
        description=(
            "Reads the LocalMachine certificate store on each server and lists certificates "
            "that expire within {{Days}} days, sorted by days left."
        ),
        purpose=(
            "Prevents outages from expired TLS certificates by listing certificates that "
            "expire within {{Days}} days."
        ),
        tags=("certificates", "security", "monitoring", "remoting", "event-log"),
        params=r"""
ComputerName|string[]||@('{{WebServer}}', '{{AppServer}}')|ValidateNotNullOrEmpty()|Servers whose machine store is checked.
Days|int||{{Days}}|ValidateRange(1, 365)|Warn about certificates that expire within this many days.
StoreName|string||'My'|ValidateSet('My', 'WebHosting', 'Root', 'CA')|Certificate store under LocalMachine.""",
        body=r"""
$expiring = Invoke-Command -ComputerName $ComputerName -ScriptBlock {
    $limit = (Get-Date).AddDays($using:Days)
    $store = $using:StoreName
    Get-ChildItem -Path "Cert:\LocalMachine\$store" |
        Where-Object { $_.NotAfter -lt $limit } |
        Select-Object Subject, Thumbprint, NotAfter,
            @{ n = 'DaysLeft'; e = { ($_.NotAfter - (Get-Date)).Days } }
}
$expiring = $expiring | Sort-Object DaysLeft
foreach ($cert in $expiring) {
    $line = '{0}: {1} expires in {2} days' -f $cert.PSComputerName, $cert.Subject, $cert.DaysLeft
?verbose|    Write-Verbose $line
?!verbose|    Write-Host $line -ForegroundColor Yellow
?extra|    if ($cert.DaysLeft -le 7) {
?extra|        Write-EventLog -LogName Application -Source 'CertMonitor' -EventId 4100 `
?extra|            -EntryType Warning -Message $line
?extra|    }
}
?export|$expiring | Export-Csv -Path '{{ReportDir}}\ExpiringCertificates.csv' -NoTypeInformation
$expiring""",
        example="-ComputerName {{WebServer}} -Days {{Days}}",
        slots={"Days": ("14", "21", "30", "45", "60", "90")},
        commits={"extra": "Raise an event when a certificate has a week left"},
    ),
    Family(
        key="registry-baseline",
        category="Security & Compliance",
        name="Set-SecurityBaseline",
        titles=(
            "Registry Hardening Baseline for {{Dept}} Workstations",
            "Apply SMB1 and NTLM Hardening ({{SiteName}})",
            "Security Registry Baseline ({{Env}})",
        ),
        synopsis="Applies a registry hardening baseline and reports drift.",
        description=(
            "Compares security-relevant registry values (SMB1, LM compatibility, drive "
            "redirection, reboot policy) with the baseline and corrects the ones that drifted."
        ),
        purpose=(
            "Keeps {{Dept}} machines on the registry hardening baseline by correcting values "
            "that drifted from it."
        ),
        tags=("registry", "security", "compliance"),
        params=r"""
?extra|ReportOnly|switch||||Only report drift, do not change anything.""",
        body=r"""
$baseline = @{
    'HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters' = @{ SMB1 = 0 }
    'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa'                     = @{ LmCompatibilityLevel = 5 }
    'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' = @{ fDisableCdm = {{Cdm}} }
    'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU'     = @{
        NoAutoRebootWithLoggedOnUsers = 1
    }
}
$drift = foreach ($key in $baseline.Keys) {
    if (-not (Test-Path -Path $key)) {
        New-Item -Path $key -Force | Out-Null
    }
    foreach ($name in $baseline[$key].Keys) {
        $desired = $baseline[$key][$name]
        $current = (Get-ItemProperty -Path $key -Name $name -ErrorAction SilentlyContinue).$name
        if ($current -eq $desired) { continue }
        [pscustomobject]@{ Key = $key; Name = $name; Current = $current; Desired = $desired }
?verbose|        Write-Verbose "$key\$name is '$current', expected $desired"
?extra|        if ($ReportOnly) { continue }
?whatif|        if (-not $PSCmdlet.ShouldProcess("$key\$name", "Set value to $desired")) { continue }
        Set-ItemProperty -Path $key -Name $name -Value $desired -Type DWord
    }
}
?!verbose|Write-Host "$(@($drift).Count) values corrected"
$drift""",
        example="-Verbose",
        slots={"Cdm": ("0", "1")},
        commits={"extra": "Add -ReportOnly for audit runs"},
        risks=("Changes security settings in HKLM; disabling SMB1 breaks very old clients.",),
        admin=True,
    ),
    Family(
        key="bitlocker",
        category="Security & Compliance",
        name="Get-BitLockerComplianceReport",
        titles=(
            "BitLocker Compliance Report for {{SiteName}} Laptops",
            "Unencrypted Devices in {{Dept}}",
            "Drive Encryption Status ({{Org}})",
        ),
        synopsis="Reports BitLocker protection status of domain computers.",
        description=(
            "Finds enabled Windows 10 and 11 computers in an OU and reads the BitLocker "
            "status of their system drive, for encryption compliance reporting."
        ),
        purpose=(
            "Shows which {{Dept}} devices do not have BitLocker protection on the system drive."
        ),
        tags=("encryption", "compliance", "active-directory", "reporting", "csv"),
        params=r"""
SearchBase|string||'{{ComputerOU}}'||OU with the laptops and workstations to check.
?export|ExportPath|string||'{{ReportDir}}\BitLocker-{{Site}}.csv'||CSV file for the report.""",
        body=r"""
$computers = Get-ADComputer -SearchBase $SearchBase -Filter 'Enabled -eq $true' `
    -Properties OperatingSystem | Where-Object OperatingSystem -like 'Windows 1*'
$results = foreach ($computer in $computers) {
    $name = $computer.Name
?extra|    if (-not (Test-Connection -ComputerName $name -Count 1 -Quiet)) {
?extra|        [pscustomobject]@{ ComputerName = $name; Status = 'Offline'; Protection = $null }
?extra|        continue
?extra|    }
    $volume = Invoke-Command -ComputerName $name -ScriptBlock {
        Get-BitLockerVolume -MountPoint $env:SystemDrive
    }
?verbose|    Write-Verbose "$name : $($volume.ProtectionStatus)"
    [pscustomobject]@{
        ComputerName = $name
        Status       = $volume.VolumeStatus
        Protection   = $volume.ProtectionStatus
        Method       = $volume.EncryptionMethod
    }
}
$unprotected = $results | Where-Object Protection -ne 'On'
?export|$results | Export-Csv -Path $ExportPath -NoTypeInformation
'{0} of {1} computers are not protected' -f @($unprotected).Count, @($results).Count""",
        example="-SearchBase '{{ComputerOU}}'",
        modules=("ActiveDirectory",),
        commits={"extra": "Report offline computers instead of timing out"},
    ),
    Family(
        key="ntfs-permissions",
        category="Security & Compliance",
        name="Get-FolderPermissionReport",
        titles=(
            "NTFS Permission Audit for the {{Dept}} Share",
            "Broad Share Permissions on {{FileServer}}",
            "File Share Access Review ({{SiteName}})",
        ),
        synopsis="Lists explicit NTFS permissions below a folder.",
        description=(
            "Walks a folder tree to a given depth and lists every explicit access rule, "
            "highlighting grants to Everyone, Authenticated Users and Domain Users."
        ),
        purpose=(
            "Supports access reviews of the {{Dept}} share by listing explicit permissions and "
            "flagging overly broad grants."
        ),
        tags=("permissions", "auditing", "security", "csv"),
        params=r"""
Path|string|M||ValidateScript({ Test-Path -Path $_ -PathType Container })|Root folder to audit.
Depth|int||{{Depth}}|ValidateRange(0, 10)|How many folder levels below the root to include.
?export|ExportPath|string||'{{ReportDir}}\Permissions-{{Dept}}.csv'||CSV file for the report.""",
        body=r"""
$folders = @(Get-Item -Path $Path) + @(Get-ChildItem -Path $Path -Directory -Recurse -Depth $Depth)
?verbose|Write-Verbose "Auditing $($folders.Count) folders under $Path"
$report = foreach ($folder in $folders) {
    $acl = Get-Acl -Path $folder.FullName
    foreach ($ace in $acl.Access) {
        if ($ace.IsInherited) { continue }
        [pscustomobject]@{
            Folder   = $folder.FullName
            Identity = $ace.IdentityReference.Value
            Rights   = $ace.FileSystemRights
            Type     = $ace.AccessControlType
            Owner    = $acl.Owner
        }
    }
}
$risky = $report | Where-Object { $_.Identity -match 'Everyone|Authenticated Users|Domain Users' }
?!verbose|Write-Host "Found $(@($risky).Count) broad permissions" -ForegroundColor Yellow
?extra|$risky | Group-Object Identity | Sort-Object Count -Descending |
?extra|    ForEach-Object { Write-Warning "$($_.Name) has explicit rights on $($_.Count) folders" }
?export|$report | Export-Csv -Path $ExportPath -NoTypeInformation -Encoding UTF8
$risky""",
        example="-Path '\\\\{{FileServer}}\\{{Dept}}' -Depth {{Depth}}",
        slots={"Depth": ("1", "2", "3", "4")},
        commits={"extra": "Summarise broad grants per identity"},
        insights=("Get-Acl per folder is slow on large trees; keep -Depth small.",),
    ),
)
