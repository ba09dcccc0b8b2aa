"""Task families of the "Automation & DevOps" category."""

# Template lines are PowerShell kept verbatim, so they may run past the Python line length.
# ruff: noqa: E501

from __future__ import annotations

from psadmin.demo.corpus.vocabulary import Family

FAMILIES: tuple[Family, ...] = (
    Family(
        key="scheduled-task",
        category="Automation & DevOps",
        name="Register-MaintenanceTask",
        titles=(
            "Register {{TaskPurpose}} Scheduled Task",
            "Scheduled Task Setup for {{Org}} Maintenance Scripts",
            "Daily {{TaskPurpose}} Task at {{TaskTime}}",
        ),
        synopsis="Registers a daily scheduled task that runs a PowerShell script.",
        description=(
            "Creates or replaces a scheduled task that runs the given script daily with "
            "restart-on-failure settings and a two-hour time limit."
        ),
        purpose=(
            "Schedules the {{TaskPurpose}} script to run every day at {{TaskTime}} under a "
            "service account."
        ),
        tags=("scheduled-task", "automation", "deployment", "credentials"),
        params=r"""
TaskName|string||'{{OrgShort}} {{TaskPurpose}}'||Name of the scheduled task.
ScriptPath|string|M||ValidateScript({ Test-Path -Path $_ -PathType Leaf })|PowerShell script the task runs.
At|string||'{{TaskTime}}'|ValidatePattern('^\d{2}:\d{2}$')|Daily start time (HH:mm).
?secure|Credential|pscredential|M|||Account the task runs as.""",
        body=r"""
?!secure|$password = '{{WeakPassword}}'
$action = New-ScheduledTaskAction -Execute 'powershell.exe' `
    -Argument "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$ScriptPath`""
$trigger = New-ScheduledTaskTrigger -Daily -At $At
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable `
    -ExecutionTimeLimit (New-TimeSpan -Hours 2) `
    -RestartCount 3 -RestartInterval (New-TimeSpan -Minutes 10)
?extra|if (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) {
?extra|    Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
?extra|}
$task = @{
    TaskName = $TaskName
    TaskPath = '\{{OrgShort}}\'
    Action   = $action
    Trigger  = $trigger
    Settings = $settings
?secure|    User     = $Credential.UserName
?secure|    Password = $Credential.GetNetworkCredential().Password
?!secure|    User     = '{{NetBIOS}}\svc-{{TaskUser}}'
?!secure|    Password = $password
    RunLevel = 'Highest'
}
?whatif|if (-not $PSCmdlet.ShouldProcess($TaskName, 'Register scheduled task')) { return }
Register-ScheduledTask @task | Out-Null
?verbose|Write-Verbose "Registered '$TaskName' to run daily at $At"
Get-ScheduledTask -TaskName $TaskName | Select-Object TaskName, State, TaskPath""",
        example="-ScriptPath 'C:\\Scripts\\{{TaskScript}}.ps1' -At {{TaskTime}}",
        slots={
            "TaskPurpose": (
                "Nightly Cleanup",
                "Log Rotation",
                "Report Export",
                "Inventory Sync",
                "Certificate Check",
                "Backup Verification",
            ),
            "TaskTime": ("01:30", "02:00", "03:15", "04:45", "22:30", "23:00"),
            "TaskUser": ("tasks", "automation", "maint", "reports"),
            "TaskScript": ("Invoke-Cleanup", "Export-Reports", "Sync-Inventory"),
            "WeakPassword": ("Welcome2024!", "Summer2024!", "Tasks#2023", "Sched!1234"),
        },
        commits={
            "extra": "Replace the task if it already exists",
            "secure": "Take the run-as account as a PSCredential",
        },
        admin=True,
    ),
    Family(
        key="iis-deploy",
        category="Automation & DevOps",
        name="Publish-IisWebsite",
        titles=(
            "Deploy {{WebApp}} to IIS on {{WebServer}}",
            "IIS Release Deployment with App Pool Recycle ({{Env}})",
            "Blue/Green-Style IIS Release Folders for {{WebApp}}",
        ),
        synopsis="Deploys a zipped build to IIS as a new release folder.",
        description=(
            "Extracts the build into a new release folder, creates the app pool and site on "
            "first deployment and otherwise repoints the site and recycles the pool."
        ),
        purpose=(
            "Deploys new {{WebApp}} builds to {{WebServer}} with a release folder per "
            "deployment so rollbacks are a path change."
        ),
        tags=("iis", "deployment", "ci-cd", "automation"),
        params=r"""
SiteName|string||'{{WebApp}}'|ValidateNotNullOrEmpty()|IIS site name.
PackagePath|string|M||ValidateScript({ Test-Path -Path $_ -PathType Leaf })|Zip with the build output.
PhysicalRoot|string||'D:\inetpub\sites'||Parent folder for site content.
Port|int||{{WebPort}}|ValidateRange(1, 65535)|HTTP binding port.
?extra|KeepReleases|int||{{Keep}}|ValidateRange(1, 20)|Number of releases to keep.""",
        body=r"""
$release = Join-Path -Path $PhysicalRoot -ChildPath "$SiteName\releases\$(Get-Date -Format yyyyMMddHHmmss)"
Expand-Archive -Path $PackagePath -DestinationPath $release
$poolName = "$SiteName-pool"
if (-not (Test-Path -Path "IIS:\AppPools\$poolName")) {
    New-WebAppPool -Name $poolName | Out-Null
    Set-ItemProperty -Path "IIS:\AppPools\$poolName" -Name managedRuntimeVersion -Value ''
}
?whatif|if (-not $PSCmdlet.ShouldProcess($SiteName, "Switch to $release")) { return }
if (-not (Get-Website -Name $SiteName)) {
?verbose|    Write-Verbose "Creating site $SiteName on port $Port"
    New-Website -Name $SiteName -Port $Port -PhysicalPath $release -ApplicationPool $poolName |
        Out-Null
}
else {
    Stop-WebAppPool -Name $poolName
    Set-ItemProperty -Path "IIS:\Sites\$SiteName" -Name physicalPath -Value $release
    Start-WebAppPool -Name $poolName
}
?extra|Get-ChildItem -Path (Split-Path -Path $release -Parent) -Directory |
?extra|    Sort-Object Name -Descending | Select-Object -Skip $KeepReleases |
?extra|    Remove-Item -Recurse -Force
?!verbose|Write-Host "Deployed $SiteName from $PackagePath" -ForegroundColor Green
Get-Website -Name $SiteName | Select-Object Name, State, PhysicalPath""",
        example="-SiteName {{WebApp}} -PackagePath .\\drop\\{{WebApp}}.zip",
        modules=("WebAdministration",),
        slots={
            "WebApp": ("intranet", "hr-portal", "timesheets", "helpdesk", "api-gateway", "docs"),
            "WebPort": ("80", "8080", "8081", "8088", "5000"),
            "Keep": ("3", "5", "10"),
        },
        commits={"extra": "Prune old release folders"},
        risks=("Stopping the app pool drops in-flight requests.",),
        admin=True,
    ),
    Family(
        key="pester-ci",
        category="Automation & DevOps",
        name="Invoke-PesterCI",
        titles=(
            "Pester CI Test Run for {{ModuleName}}",
            "Run Pester 5 Tests with Coverage Gate ({{Coverage}}%)",
            "Build Pipeline Test Step for {{ModuleName}}",
        ),
        synopsis="Runs Pester 5 tests in CI with NUnit output and a coverage gate.",
        description=(
            "Builds a Pester 5 configuration that writes NUnit XML for the CI server, "
            "measures code coverage and fails the build when tests fail or coverage drops "
            "below {{Coverage}} percent."
        ),
        purpose=(
            "Gates {{ModuleName}} pull requests on passing Pester tests and {{Coverage}}% code "
            "coverage."
        ),
        tags=("pester", "ci-cd", "automation"),
        params=r"""
Path|string||'.\tests'|ValidateNotNullOrEmpty()|Folder with *.Tests.ps1 files.
OutputPath|string||'.\TestResults\testResults.xml'||NUnit XML result file for the CI server.
CoverageThreshold|int||{{Coverage}}|ValidateRange(0, 100)|Minimum code coverage percentage.
?extra|Tag|string[]||||Only run tests with these tags.""",
        body=r"""
$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $OutputPath
$config.CodeCoverage.Enabled = $true
$config.CodeCoverage.Path = '.\src\{{ModuleName}}'
$config.Output.Verbosity = '{{Verbosity}}'
?extra|if ($Tag) { $config.Filter.Tag = $Tag }
?verbose|Write-Verbose "Running Pester $((Get-Module -Name Pester).Version) against $Path"
$result = Invoke-Pester -Configuration $config
$coverage = [math]::Round($result.CodeCoverage.CoveragePercent, 1)
?!verbose|Write-Host "Passed: $($result.PassedCount) Failed: $($result.FailedCount) Coverage: $coverage%"
if ($result.FailedCount -gt 0) {
    throw "$($result.FailedCount) test(s) failed"
}
if ($coverage -lt $CoverageThreshold) {
    throw "Coverage $coverage% is below the required $CoverageThreshold%"
}""",
        example="-Path .\\tests -CoverageThreshold {{Coverage}}",
        modules=("Pester",),
        slots={
            "ModuleName": (
                "OpsTools",
                "InfraAutomation",
                "AdHelpers",
                "ReportKit",
                "DeployTools",
                "CloudOps",
            ),
            "Verbosity": ("Detailed", "Normal", "Minimal"),
            "Coverage": ("60", "70", "75", "80", "90"),
        },
        commits={"extra": "Add -Tag filter for quick runs"},
        ps_version="7.2",
    ),
    Family(
        key="module-publish",
        category="Automation & DevOps",
        name="Publish-InternalModule",
        titles=(
            "Publish {{ModuleName}} to the {{RepoName}} Feed",
            "Internal PowerShell Module Release ({{Org}})",
            "Version Bump and Publish for {{ModuleName}}",
        ),
        synopsis="Validates, versions and publishes a module to an internal repository.",
        description=(
            "Validates the module manifest, optionally bumps its version, compares it with the "
            "version in the repository and publishes it with the feed's API key."
        ),
        purpose=(
            "Releases new versions of the {{ModuleName}} module to the internal {{RepoName}} "
            "repository."
        ),
        tags=("deployment", "ci-cd", "automation", "credentials"),
        params=r"""
ModulePath|string|M||ValidateScript({ Test-Path -Path $_ -PathType Container })|Folder with the module manifest.
Repository|string||'{{RepoName}}'||Registered PSRepository to publish to.
?extra|BumpVersion|string||'Patch'|ValidateSet('Major', 'Minor', 'Patch')|Which part of the version to increment.""",
        body=r"""
?secure|$apiKey = Get-Secret -Name '{{RepoName}}-ApiKey' -Vault '{{Vault}}' -AsPlainText
?!secure|$apiKey = '{{ApiKey}}'
$manifestPath = Get-ChildItem -Path $ModulePath -Filter '*.psd1' |
    Select-Object -First 1 -ExpandProperty FullName
$manifest = Test-ModuleManifest -Path $manifestPath
?extra|$v = $manifest.Version
?extra|$next = switch ($BumpVersion) {
?extra|    'Major' { [version]::new($v.Major + 1, 0, 0) }
?extra|    'Minor' { [version]::new($v.Major, $v.Minor + 1, 0) }
?extra|    'Patch' { [version]::new($v.Major, $v.Minor, $v.Build + 1) }
?extra|}
?extra|Update-ModuleManifest -Path $manifestPath -ModuleVersion $next
$published = Find-Module -Name $manifest.Name -Repository $Repository -ErrorAction SilentlyContinue
?verbose|Write-Verbose "Local $($manifest.Version), repository $($published.Version)"
?whatif|if (-not $PSCmdlet.ShouldProcess("$($manifest.Name) to $Repository", 'Publish')) { return }
Publish-Module -Path $ModulePath -Repository $Repository -NuGetApiKey $apiKey
?!verbose|Write-Host "Published $($manifest.Name)" -ForegroundColor Green""",
        example="-ModulePath .\\src\\{{ModuleName}}",
        modules=("PowerShellGet",),
        slots={
            "ModuleName": ("OpsTools", "InfraAutomation", "AdHelpers", "ReportKit"),
            "RepoName": ("InternalPSGallery", "OpsFeed", "ProGet", "NexusPS"),
            "ApiKey": (
                "oy2k3l9fq0d7hx2m5c8vnb1r4t6w9zs0aple3xg7ik5j",
                "b4c1e8f2-77aa-4d3e-9c60-d15e2a9f0b37",
            ),
        },
        commits={
            "extra": "Add -BumpVersion",
            "secure": "Read the API key from SecretManagement",
        },
    ),
    Family(
        key="remote-install",
        category="Automation & DevOps",
        name="Install-SoftwareRemotely",
        titles=(
            "Remote Chocolatey Install of {{PackageName}}",
            "Push {{PackageName}} to {{Dept}} Workstations",
            "Software Rollout with Chocolatey ({{SiteName}})",
        ),
        synopsis="Installs Chocolatey packages on remote computers.",
        description=(
            "Bootstraps Chocolatey where it is missing and installs the requested packages on "
            "each computer over PowerShell remoting, reporting the installer exit codes."
        ),
        purpose=(
            "Rolls out {{PackageName}} to {{Dept}} machines without a software distribution server."
        ),
        tags=("deployment", "remoting", "automation", "inventory"),
        params=r"""
ComputerName|string[]|M||ValidateNotNullOrEmpty()|Target computers.
Package|string[]||{{Packages}}||Chocolatey package names to install.
?extra|Source|string||'https://nexus.{{MailDomain}}/repository/chocolatey'||Internal Chocolatey feed.""",
        body=r"""
$install = {
    param($Packages, $Source)
    if (-not (Get-Command -Name choco.exe -ErrorAction SilentlyContinue)) {
?!secure|        Set-ExecutionPolicy Bypass -Scope Process -Force
?!secure|        $url = 'https://community.chocolatey.org/install.ps1'
?!secure|        iex ((New-Object System.Net.WebClient).DownloadString($url))
?secure|        $installer = Join-Path -Path $env:TEMP -ChildPath 'choco-install.ps1'
?secure|        Copy-Item -Path '\\{{FileServer}}\Software\Chocolatey\install.ps1' -Destination $installer
?secure|        $signature = Get-AuthenticodeSignature -FilePath $installer
?secure|        if ($signature.Status -ne 'Valid') { throw 'Chocolatey installer is not signed' }
?secure|        & $installer
    }
    foreach ($name in $Packages) {
        $chocoArgs = @('install', $name, '-y', '--no-progress')
?extra|        if ($Source) { $chocoArgs += @('--source', $Source) }
        & choco.exe @chocoArgs | Out-Null
        [pscustomobject]@{ Package = $name; ExitCode = $LASTEXITCODE }
    }
}
?verbose|Write-Verbose "Installing $($Package -join ', ') on $($ComputerName.Count) computer(s)"
$results = Invoke-Command -ComputerName $ComputerName -ScriptBlock $install `
    -ArgumentList $Package, $Source
$failed = $results | Where-Object { $_.ExitCode -notin 0, 1641, 3010 }
foreach ($f in $failed) {
    Write-Warning "$($f.PSComputerName): $($f.Package) exited with $($f.ExitCode)"
}
$results | Select-Object PSComputerName, Package, ExitCode""",
        example="-ComputerName {{Server1}} -Package {{Packages}}",
        slots={
            "Packages": (
                "'7zip', 'notepadplusplus'",
                "'googlechrome', 'firefox'",
                "'vscode', 'git'",
                "'putty', 'winscp'",
                "'adobereader'",
                "'sysinternals', 'wireshark'",
            ),
            "PackageName": ("7-Zip", "Chrome", "VS Code", "PuTTY", "Adobe Reader", "Sysinternals"),
        },
        commits={
            "extra": "Install from the internal feed",
            "secure": "Install Chocolatey from a signed internal copy",
        },
        risks=("Installs software with administrative rights on every target.",),
    ),
)
