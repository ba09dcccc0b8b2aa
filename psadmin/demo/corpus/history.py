"""How a script grows: its features, the commits that add them and the code they bring.

The latest version draws its optional features by chance; earlier versions lack some, and
each step of the history adds a few with a commit message. Error handling and logging add
the catch blocks and the logging helper kept here.
"""

from __future__ import annotations

# Chance that the latest version has an optional feature; missing ones become advice.
LATEST_CHANCE: dict[str, float] = {
    "errors": 0.9,
    "verbose": 0.8,
    "whatif": 0.85,
    "export": 0.75,
    "modern": 0.85,
    "secure": 0.8,
    "extra": 0.7,
    "logging": 0.35,
}

INITIAL_COMMITS: tuple[str, ...] = (
    "Initial version",
    "Initial commit",
    "First working draft",
    "Import from the scripts share",
    "Initial version from runbook notes",
)

FEATURE_COMMITS: dict[str, tuple[str, ...]] = {
    "help": (
        "Add comment-based help",
        "Document parameters and add examples",
        "Add .SYNOPSIS and usage examples",
    ),
    "validation": (
        "Add CmdletBinding and parameter validation",
        "Validate parameters",
        "Make parameters typed and validated",
    ),
    "errors": (
        "Add error handling",
        "Wrap main logic in try/catch",
        "Stop on errors and report a clear message",
    ),
    "verbose": (
        "Add verbose logging",
        "Replace Write-Host with Write-Verbose",
        "Use Write-Verbose for progress output",
    ),
    "whatif": (
        "Add -WhatIf support",
        "Support -WhatIf/-Confirm via ShouldProcess",
        "Honour -WhatIf before changing anything",
    ),
    "export": ("Export results to CSV", "Add -ExportPath parameter", "Write the report to CSV"),
    "modern": ("Replace legacy cmdlets for PowerShell 7", "Modernise cmdlet usage"),
    "secure": ("Remove hard-coded credentials", "Fix issues from security review"),
    "extra": ("Extend functionality",),
    "logging": ("Add transcript logging", "Write a log file per run"),
}

# Endings of the try/catch wrapper; "{name}" is the script name.
CATCH_BLOCKS: tuple[str, ...] = (
    '    Write-Error "{name} failed: $($_.Exception.Message)"\n    exit 1',
    "    $PSCmdlet.ThrowTerminatingError($_)",
    '    Write-Warning "{name} stopped: $($_.Exception.Message)"\n    throw',
)

# Helper added by the "logging" feature when a script logs to its own file.
LOG_FUNCTION = r"""function Write-Log {
    param(
        [Parameter(Mandatory)][string]$Message,
        [ValidateSet('INFO', 'WARN', 'ERROR')][string]$Level = 'INFO'
    )
    $line = '{0:s} [{1}] {2}' -f (Get-Date), $Level, $Message
    Add-Content -Path $script:LogFile -Value $line
    Write-Verbose $line
}
"""
