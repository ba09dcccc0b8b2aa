"""Task families of the "Cloud Management" category."""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from psadmin.demo.corpus.vocabulary import Family

FAMILIES: tuple[Family, ...] = (
    Family(
        key="azure-vm-schedule",
        category="Cloud Management",
        name="Invoke-AzVmPowerSchedule",
        titles=(
            "Start or Stop Tagged Azure VMs in {{RG}}",
            "Azure VM Off-Hours Shutdown ({{Env}})",
            "Azure Automation Runbook: VM Power Schedule for {{Dept}}",
        ),
        synopsis="Starts or deallocates Azure VMs that carry a schedule tag.",
        description=(
            "Azure Automation runbook that signs in, selects the subscription and starts or "
            "deallocates every VM in the resource group whose schedule tag is 'true'."
        ),
        purpose=(
            "Cuts compute cost in {{Subscription}} by deallocating tagged VMs outside office "
            "hours and starting them again in the morning."
        ),
        tags=("azure", "cost-optimization", "automation", "scheduled-task", "credentials"),
        params=r"""
ResourceGroupName|string||'{{RG}}'|ValidateNotNullOrEmpty()|Resource group with the VMs.
Action|string|M||ValidateSet('Start', 'Stop')|Whether to start or deallocate the tagged VMs.
TagName|string||'{{TagName}}'||Only VMs with this tag set to 'true' are touched.""",
        body=r"""
?secure|Connect-AzAccount -Identity | Out-Null
?!secure|$secret = ConvertTo-SecureString '{{ClientSecret}}' -AsPlainText -Force
?!secure|$credential = New-Object System.Management.Automation.PSCredential('{{AppId}}', $secret)
?!secure|Connect-AzAccount -ServicePrincipal -Credential $credential -Tenant '{{Tenant}}' | Out-Null
Set-AzContext -Subscription '{{Subscription}}' | Out-Null
$vms = Get-AzVM -ResourceGroupName $ResourceGroupName -Status |
    Where-Object { $_.Tags[$TagName] -eq 'true' }
foreach ($vm in $vms) {
    $running = $vm.PowerState -eq 'VM running'
    if (($Action -eq 'Start' -and $running) -or ($Action -eq 'Stop' -and -not $running)) { continue }
?verbose|    Write-Verbose "$Action $($vm.Name) (currently $($vm.PowerState))"
?whatif|    if (-not $PSCmdlet.ShouldProcess($vm.Name, "$Action VM")) { continue }
    if ($Action -eq 'Start') {
?!extra|        Start-AzVM -ResourceGroupName $ResourceGroupName -Name $vm.Name
?extra|        Start-AzVM -ResourceGroupName $ResourceGroupName -Name $vm.Name -NoWait
    }
    else {
?!extra|        Stop-AzVM -ResourceGroupName $ResourceGroupName -Name $vm.Name -Force
?extra|        Stop-AzVM -ResourceGroupName $ResourceGroupName -Name $vm.Name -Force -NoWait
    }
}""",
        example="-ResourceGroupName {{RG}} -Action Stop",
        modules=("Az.Accounts", "Az.Compute"),
        slots={
            "TagName": ("AutoShutdown", "Schedule", "OfficeHoursOnly", "DevTestSchedule"),
            "ClientSecret": (
                "rT8Q~x2KfLw9pVn3.ZbY7cHq1sMd4eUjA0oGi",
                "Xw7~Pq2LzK9vB4nR.tY6uE1mC3dF8gH0jS5aQ",
                "mN3~aB8cD1eF6gH.iJ2kL7mN9oP4qR5sT0uVw",
            ),
        },
        commits={
            "extra": "Use -NoWait so large resource groups finish within the job limit",
            "secure": "Sign in with the Automation account's managed identity",
        },
        risks=("Deallocating VMs stops the workloads on them.",),
    ),
    Family(
        key="azure-orphaned-disks",
        category="Cloud Management",
        name="Remove-AzOrphanedDisks",
        titles=(
            "Delete Unattached Azure Managed Disks ({{Subscription}})",
            "Azure Orphaned Disk Cleanup for {{Env}}",
            "Find Unused Azure Disks Older Than {{AgeDays}} Days",
        ),
        synopsis="Finds and deletes unattached Azure managed disks.",
        description=(
            "Lists managed disks that are not attached to any VM and are older than "
            "{{AgeDays}} days, estimates their monthly cost and deletes them."
        ),
        purpose=(
            "Removes unattached managed disks in {{Subscription}} that keep costing money "
            "after their VMs were deleted."
        ),
        tags=("azure", "cost-optimization", "cleanup", "csv"),
        params=r"""
SubscriptionName|string||'{{Subscription}}'||Subscription to clean up.
MinimumAgeDays|int||{{AgeDays}}|ValidateRange(1, 365)|Only consider disks created more than this many days ago.
?export|ExportPath|string||'{{ReportDir}}\OrphanedDisks.csv'||CSV of the disks found.""",
        body=r"""
Set-AzContext -Subscription $SubscriptionName | Out-Null
$cutoff = (Get-Date).AddDays(-$MinimumAgeDays)
$orphans = Get-AzDisk | Where-Object {
    -not $_.ManagedBy -and $_.DiskState -eq 'Unattached' -and $_.TimeCreated -lt $cutoff
}
$costPerGb = @{ Premium_LRS = 0.135; StandardSSD_LRS = 0.075; Standard_LRS = 0.045 }
$report = $orphans | Select-Object Name, ResourceGroupName, DiskSizeGB, TimeCreated,
    @{ n = 'Sku'; e = { $_.Sku.Name } },
    @{ n = 'MonthlyCost'; e = { [math]::Round($_.DiskSizeGB * $costPerGb[$_.Sku.Name], 2) } }
?export|$report | Export-Csv -Path $ExportPath -NoTypeInformation
foreach ($disk in $orphans) {
?whatif|    if (-not $PSCmdlet.ShouldProcess($disk.Name, 'Remove unattached managed disk')) { continue }
?extra|    $snapshotName = "$($disk.Name)-final-$(Get-Date -Format yyyyMMdd)"
?extra|    $config = New-AzSnapshotConfig -SourceUri $disk.Id -Location $disk.Location -CreateOption Copy
?extra|    New-AzSnapshot -ResourceGroupName $disk.ResourceGroupName -SnapshotName $snapshotName `
?extra|        -Snapshot $config | Out-Null
    Remove-AzDisk -ResourceGroupName $disk.ResourceGroupName -DiskName $disk.Name -Force | Out-Null
?verbose|    Write-Verbose "Removed $($disk.Name) ($($disk.DiskSizeGB) GB)"
}
'Monthly saving: {0:N2}' -f ($report | Measure-Object MonthlyCost -Sum).Sum""",
        example="-MinimumAgeDays {{AgeDays}} -WhatIf",
        modules=("Az.Accounts", "Az.Compute"),
        slots={"AgeDays": ("7", "14", "30", "60", "90")},
        commits={"extra": "Take a final snapshot before deleting a disk"},
        risks=("Deleting a managed disk is irreversible unless a snapshot exists.",),
    ),
    Family(
        key="azure-storage-audit",
        category="Cloud Management",
        name="Get-AzStorageSecurityReport",
        titles=(
            "Azure Storage Account Security Audit ({{Org}})",
            "Find Storage Accounts Allowing HTTP or Old TLS",
            "Storage Hardening Check for {{Subscription}}",
        ),
        synopsis="Audits Azure storage accounts for insecure settings.",
        description=(
            "Checks every storage account in the given subscriptions for HTTP access, old TLS "
            "versions, public blob access and an open firewall, and can fix them."
        ),
        purpose=(
            "Finds {{Org}} storage accounts that allow HTTP, old TLS or anonymous blob access."
        ),
        tags=("azure", "security", "compliance", "auditing"),
        params=r"""
SubscriptionId|string[]||'{{SubscriptionId}}'||Subscriptions to audit.
MinimumTlsVersion|string||'TLS1_2'|ValidateSet('TLS1_0', 'TLS1_1', 'TLS1_2')|Lowest acceptable TLS version.
?extra|Remediate|switch||||Enforce HTTPS-only and the minimum TLS version on failing accounts.""",
        body=r"""
$findings = foreach ($subscription in $SubscriptionId) {
    Set-AzContext -SubscriptionId $subscription | Out-Null
?verbose|    Write-Verbose "Auditing storage accounts in $subscription"
    foreach ($account in Get-AzStorageAccount) {
        $issues = @()
        if (-not $account.EnableHttpsTrafficOnly) { $issues += 'HTTP allowed' }
        if ($account.MinimumTlsVersion -ne $MinimumTlsVersion) { $issues += 'Old TLS' }
        if ($account.AllowBlobPublicAccess) { $issues += 'Public blob access' }
        if ($account.NetworkRuleSet.DefaultAction -eq 'Allow') { $issues += 'Open firewall' }
        if (-not $issues) { continue }
?extra|        if ($Remediate -and $PSCmdlet.ShouldProcess($account.StorageAccountName, 'Harden')) {
?extra|            $hardening = @{
?extra|                ResourceGroupName      = $account.ResourceGroupName
?extra|                Name                   = $account.StorageAccountName
?extra|                EnableHttpsTrafficOnly = $true
?extra|                MinimumTlsVersion      = $MinimumTlsVersion
?extra|                AllowBlobPublicAccess  = $false
?extra|            }
?extra|            Set-AzStorageAccount @hardening | Out-Null
?extra|        }
        [pscustomobject]@{
            Subscription = $subscription
            Account      = $account.StorageAccountName
            Location     = $account.PrimaryLocation
            Issues       = $issues -join '; '
        }
    }
}
?export|$findings | Export-Csv -Path '{{ReportDir}}\StorageAudit.csv' -NoTypeInformation
?!verbose|Write-Host "$(@($findings).Count) storage accounts need attention"
$findings""",
        example="-SubscriptionId {{SubscriptionId}}",
        modules=("Az.Accounts", "Az.Storage"),
        commits={"extra": "Add -Remediate to enforce HTTPS and TLS 1.2"},
    ),
    Family(
        key="aws-ec2-inventory",
        category="Cloud Management",
        name="Get-EC2InventoryReport",
        titles=(
            "AWS EC2 Instance Inventory ({{AwsRegion}})",
            "EC2 Inventory with Name Tags for {{Org}}",
            "Untagged EC2 Instances Report ({{Env}})",
        ),
        synopsis="Inventories EC2 instances across AWS regions.",
        description=(
            "Lists every EC2 instance in the given regions with its Name tag, type, state, "
            "launch time and private IP, and warns about instances without a Name tag."
        ),
        purpose=("Keeps the {{Org}} CMDB in sync with the EC2 instances running in {{AwsRegion}}."),
        tags=("aws", "inventory", "reporting", "csv", "credentials"),
        params=r"""
Region|string[]||'{{AwsRegion}}'|ValidateNotNullOrEmpty()|AWS regions to inventory.
ProfileName|string||'{{OrgShort}}-{{EnvShort}}'||Named AWS credential profile.
?export|ExportPath|string||'{{ReportDir}}\ec2-inventory.csv'||CSV output path.""",
        body=r"""
?secure|Set-AWSCredential -ProfileName $ProfileName
?!secure|Set-AWSCredential -AccessKey '{{AwsAccessKey}}' -SecretKey '{{AwsSecretKey}}' `
?!secure|    -StoreAs $ProfileName
$inventory = foreach ($r in $Region) {
?verbose|    Write-Verbose "Listing instances in $r"
    (Get-EC2Instance -Region $r -ProfileName $ProfileName).Instances | ForEach-Object {
        [pscustomobject]@{
            Region     = $r
            InstanceId = $_.InstanceId
            Name       = ($_.Tags | Where-Object Key -eq 'Name').Value
            Type       = $_.InstanceType.Value
            State      = $_.State.Name.Value
            LaunchTime = $_.LaunchTime
            PrivateIp  = $_.PrivateIpAddress
        }
    }
}
?extra|$untagged = $inventory | Where-Object { -not $_.Name }
?extra|if ($untagged) { Write-Warning "$(@($untagged).Count) instances have no Name tag" }
?export|$inventory | Export-Csv -Path $ExportPath -NoTypeInformation
$inventory | Sort-Object Region, Name""",
        example="-Region {{AwsRegion}} -ProfileName {{OrgShort}}-{{EnvShort}}",
        modules=("AWS.Tools.Common", "AWS.Tools.EC2"),
        slots={
            "AwsAccessKey": ("AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"),
            "AwsSecretKey": (
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
            ),
        },
        commits={
            "extra": "Warn about instances without a Name tag",
            "secure": "Use a named credential profile instead of inline keys",
        },
    ),
)
