"""Analysis rules: what the analyser looks for in the code and the advice it gives."""

from __future__ import annotations

# (id, needles, regex, severity, title, recommendation). The regex is matched line by line,
# and only when one of the lower-case needles occurs in the code at all.
SECURITY_RULES: tuple[tuple[str, tuple[str, ...], str, str, str, str], ...] = (
    (
        "plaintext-securestring",
        ("-asplaintext",),
        r"ConvertTo-SecureString\b.*-AsPlainText",
        "high",
        "Secret converted from plain text inside the script",
        "Read the secret from SecretManagement, a certificate or a managed identity.",
    ),
    (
        "hardcoded-secret",
        ("password", "passwd", "secret", "apikey", "api_key", "accesskey"),
        r"(?i)(?:(?:password|passwd|secret|apikey|api_key|accesskey)\w*\s*="
        r"|-(?:password|secretkey|accesskey|nugetapikey)\s+)\s*['\"][^'\"$]{4,}['\"]",
        "high",
        "Hard-coded credential or key",
        "Move the value to a vault (Get-Secret) or prompt with Get-Credential.",
    ),
    (
        "remote-code-download",
        ("downloadstring(",),
        r"DownloadString\(",
        "critical",
        "Downloads a script from the internet and runs it",
        "Copy a reviewed, signed installer from an internal share and check its signature.",
    ),
    (
        "invoke-expression",
        ("invoke-expression", "iex"),
        r"(?i)\b(?:Invoke-Expression|iex)\b",
        "high",
        "Invoke-Expression runs arbitrary strings as code",
        "Call the command directly or use the call operator with a fixed script path.",
    ),
    (
        "certificate-validation-disabled",
        ("servercertificatevalidationcallback", "-skipcertificatecheck"),
        r"ServerCertificateValidationCallback\s*=|-SkipCertificateCheck\b",
        "high",
        "TLS certificate validation is disabled",
        "Trust the internal CA on the host instead of accepting every certificate.",
    ),
    (
        "execution-policy-bypass",
        ("set-executionpolicy",),
        r"(?i)Set-ExecutionPolicy\s+(?:-ExecutionPolicy\s+)?(?:Bypass|Unrestricted)",
        "medium",
        "Execution policy is bypassed",
        "Sign the script and keep the policy at AllSigned or RemoteSigned.",
    ),
    (
        "plaintext-http",
        ("http://",),
        r"['\"]http://(?!localhost)",
        "low",
        "Connection over unencrypted HTTP",
        "Use HTTPS endpoints.",
    ),
)

SEVERITY_PENALTY: dict[str, float] = {"critical": 45.0, "high": 28.0, "medium": 14.0, "low": 6.0}

# (rule, needles, regex, severity, message): PSScriptAnalyzer rules detectable line by line.
PRACTICE_RULES: tuple[tuple[str, tuple[str, ...], str, str, str], ...] = (
    (
        "PSAvoidUsingWriteHost",
        ("write-host",),
        r"\bWrite-Host\b",
        "Warning",
        "Write-Host output cannot be captured or suppressed; use Write-Verbose or output objects.",
    ),
    (
        "PSAvoidUsingCmdletAliases",
        ("| ?", "| %", "gci ", "ls ", "dir ", "iex "),
        r"\|\s*[?%]\s|(?:^|[=(]\s*)(?:gci|ls|dir|iex)\s",
        "Warning",
        "Aliases make scripts harder to read and can differ between hosts.",
    ),
    (
        "PSAvoidUsingWMICmdlet",
        ("get-wmiobject",),
        r"\bGet-WmiObject\b",
        "Warning",
        "WMI cmdlets are not available in PowerShell 7; use the CIM cmdlets.",
    ),
    (
        "PSAvoidUsingInvokeExpression",
        ("invoke-expression", "iex"),
        r"(?i)\b(?:Invoke-Expression|iex)\b",
        "Warning",
        "Invoke-Expression can run injected code.",
    ),
    (
        "PSAvoidUsingConvertToSecureStringWithPlainText",
        ("-asplaintext",),
        r"ConvertTo-SecureString\b.*-AsPlainText",
        "Error",
        "Plain-text secrets end up in history, logs and memory dumps.",
    ),
    (
        "PSAvoidUsingEmptyCatchBlock",
        ("catch",),
        r"catch\s*\{\s*\}",
        "Warning",
        "Empty catch blocks hide failures.",
    ),
)

# (needle in the code, insight) for performance_insights.
PERFORMANCE_RULES: tuple[tuple[str, str], ...] = (
    (
        "Get-WmiObject",
        "Get-CimInstance reuses WS-Man sessions and is faster than the DCOM-based Get-WmiObject.",
    ),
    (
        "-ComputerName $computer",
        "Computers are queried one after another; one Invoke-Command call with all names fans "
        "out in parallel.",
    ),
    (
        "-Recurse",
        "Recursive scans are I/O-bound; -Filter is applied by the provider and is faster than "
        "filtering names with Where-Object.",
    ),
)

# (needle in the code, note) for compatibility_notes.
COMPATIBILITY_RULES: tuple[tuple[str, str], ...] = (
    ("Get-WmiObject", "Get-WmiObject was removed in PowerShell 7; Get-CimInstance works in both."),
    ("Get-EventLog", "Get-EventLog exists only in Windows PowerShell 5.1; use Get-WinEvent."),
    (
        "Write-EventLog",
        "Write-EventLog exists only in Windows PowerShell 5.1; run under powershell.exe or log "
        "elsewhere on PowerShell 7.",
    ),
    (
        "Get-Service -ComputerName",
        "Get-Service -ComputerName was removed in PowerShell 7; query through Invoke-Command.",
    ),
    (
        "Send-MailMessage",
        "Send-MailMessage is obsolete since PowerShell 7.0 and cannot use modern authentication.",
    ),
    (
        "WebAdministration",
        "WebAdministration loads through the Windows PowerShell compatibility layer on "
        "PowerShell 7; IISAdministration is the native alternative.",
    ),
    (
        "-UseBasicParsing",
        "-UseBasicParsing only matters on Windows PowerShell 5.1; later versions always parse "
        "responses without Internet Explorer.",
    ),
    (
        "ServicePointManager",
        "ServicePointManager settings do not affect Invoke-WebRequest on PowerShell 7, which "
        "uses HttpClient; use -SslProtocol there.",
    ),
    (
        "ConfigurationName Microsoft.Exchange",
        "Remote PowerShell to Exchange Online is retired; the EXO V3 module works on 5.1 and 7.",
    ),
    ("ActiveDirectory", "ActiveDirectory needs RSAT; it runs natively on PowerShell 7 on Windows."),
    (
        "Get-LocalGroupMember",
        "Microsoft.PowerShell.LocalAccounts is 64-bit only and loads through the compatibility "
        "layer on PowerShell 7.",
    ),
)

# Suggestions given when a script lacks the feature.
MISSING_FEATURE_ADVICE: dict[str, str] = {
    "errors": "Wrap the main logic in try/catch with $ErrorActionPreference = 'Stop' so "
    "failures stop the script with a clear message.",
    "verbose": "Replace Write-Host with Write-Verbose or Write-Information so output can be "
    "redirected and silenced.",
    "whatif": "Declare SupportsShouldProcess and call $PSCmdlet.ShouldProcess() before each "
    "change so -WhatIf can preview the run.",
    "export": "Offer an -ExportPath parameter so results can be kept as CSV.",
    "modern": "Replace Windows PowerShell-only cmdlets so the script also runs on PowerShell 7.",
    "logging": "Log each run (Start-Transcript or a log file) for troubleshooting scheduled runs.",
}

GENERIC_ADVICE: tuple[str, ...] = (
    "Add Pester tests for the parameter validation and the main code path.",
    "Sign the script with Set-AuthenticodeSignature before distributing it.",
    "Pin the module versions in #Requires -Modules to avoid surprises after updates.",
    "Return objects instead of formatted text so callers can sort and filter the output.",
    "Use -ErrorAction Stop on remote calls so a single failing host is reported.",
    "Move environment-specific defaults into a configuration file.",
)
