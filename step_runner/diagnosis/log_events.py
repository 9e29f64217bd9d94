"""Pure parsing of Spark / YARN / EMR logs into error events: the raw material of the probable cause.

Real logs are messy: log4j, ISO (``...Z``) and Airflow/Livy prefixes, console progress bars glued to a
timestamp, stack traces escaped onto one line, exceptions in the middle of a WARN line ("Lost task 0.0
...: java.lang.OutOfMemoryError"), Py4J's ``: org.apache...`` continuation, YARN diagnostics with no
exception at all. ``events(text)`` turns any of that into ``ErrorEvent``s, each with its ``root``: the
deepest error it names (the last ``Caused by:``, the Java exception behind a Py4JJavaError, the
exception embedded in a "Job aborted due to stage failure" message, the final line of a traceback).

It stays one module: every finder walks the same lines and shares which ones an earlier finder has
used, so an event is found once.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Protocol


class Searcher(Protocol):
    """What makes a line an event besides exceptions: a compiled pattern, or triage's pre-filtered one."""

    def search(self, text: str) -> re.Match[str] | None: ...

MAX_BLOCK_LINES = 40
MAX_ROOT_CHARS = 600

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PROGRESS = re.compile(r"\[Stage \d+:[^\]]*\]\s*")
# Prefixes seen in front of log lines: timestamps (log4j yy/MM/dd, ISO with Z or offset, syslog-ish), a
# bracketed timestamp with an Airflow-style {file.py:123} location, thread names, our own [step] prefix.
_PREFIXES = (
    re.compile(r"^\[\d{4}-\d{2}-\d{2}[ T][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?\]\s*(?:\{[^}]*\}\s*)?"),
    re.compile(r"^\d{2,4}[/-]\d{2}[/-]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s*"),
    re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M\s+"),
    re.compile(r"^\[[\w .:/@-]{1,80}\]\s+(?=\S)"),
    re.compile(r"^(?:std(?:out|err)|driver-std(?:out|err))\s*[:|]\s*"),
)
_LEVEL = re.compile(r"^(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|SEVERE|CRITICAL)\b\s*(?:-\s+|:\s*)?")
_ERROR_COLON = re.compile(r"^(?:Error|ERROR)\s*:\s+(?=\S)")
# A log4j logger after the level ("TaskSetManager: ", "org.apache.spark.deploy.yarn.Client: "), never
# an exception name.
_LOGGER = re.compile(r"^(?:\[[^\]]{1,80}\]\s*)?([\w$.-]{1,120})(?<!Exception)(?<!Error)(?<!Throwable):\s+")

_JAVA_NAME = r"(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable|Failure)"
_JAVA_EXC = re.compile(rf"(?<![\w$.])({_JAVA_NAME})(?::\s?(.*))?$")
_JAVA_EXC_ANY = re.compile(rf"(?<![\w$.])({_JAVA_NAME})\b(?::\s?)?")
_STACK = re.compile(r"^\s*(?:at [\w$.<>/]+\(.*\)|at [\w$.<>/]+$|\.\.\. \d+ (?:more|elided)|\.\.\. \d+ common frames omitted)\s*$")
_CAUSED = re.compile(r"^\s*(?:Caused by|Suppressed):\s*(.*)$")
_PY4J_CONT = re.compile(rf"^:\s*({_JAVA_NAME}.*)$")
_TRACEBACK = "Traceback (most recent call last):"
_PY_FINAL = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_PY_EXC_LINE = re.compile(
    r"^((?:[a-z_][a-z0-9_]*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning))(?::\s?(.*))?$")
_PY_FRAME = re.compile(r'^\s+(?:File "|\S)')
_APP_ID = re.compile(r"\bapplication_\d+_\d+\b")
# YARN / Spark / EMR failures that are not exceptions.
_NON_EXCEPTION = re.compile(
    r"(?:Container \[pid=[^\]]*\] is running beyond|is running beyond (?:physical|virtual) memory|"
    r"Container killed by YARN for exceeding|ExecutorLostFailure|Container exited with a non-zero exit code|"
    r"Container released on a \*?lost\*? node|Lost executor \d+ on|Executor heartbeat timed out|"
    r"finished with failed status|User application exited with status|Total size of serialized results|"
    r"bootstrap action \d+|BOOTSTRAP_FAILURE|SCRIPT_EXECUTION_FAILED|No space left on device|"
    r"Slow ?Down|could only be replicated to|Execution failed with code|Command exiting with ret '[1-9]|"
    r"exit(?:ed)? with (?:code|status) -?\d+|Killed by external signal|Container marked as failed|"
    r"Exit status: -?\d+|Exit code is -?\d+|Spot Instance interruption|spot interruption|SPOT_INSTANCE_TERMINATION|"
    r"Python worker exited unexpectedly|Python in worker has different version)",
    re.IGNORECASE)
# Events that report a failure without naming its cause: never preferred over one that names it.
WRAPPERS = re.compile(
    r"(?:Job aborted\.?$|Job aborted due to stage failure(?!.*(?:Error|Exception|Failure|Reason))|"
    r"SparkContext did not initialize|Py4JJavaError: An error occurred while calling(?!.*\n)|"
    r"User application exited with status|finished with failed status|Exception thrown in awaitResult|"
    r"Shutdown hook called before final status|final status: FAILED|Command failed:|"
    r"Task failed while writing rows|Failed to execute user defined function|Error initializing SparkContext|"
    r"Aborting (?:job|task)|aborting job|Writing job aborted|Job \d+ cancelled|"
    r"Command exiting with ret|Shutdown hook called|ExecutionException$|InvocationTargetException|"
    r"Failed to run job|returned non-zero exit status|"
    r"Exception in thread \"main\"$|An error occurred while calling o\d+\.\w+\.?$|"
    # EMR's own bootstrap status lines: the script's output says why
    r"bootstrap action \d+ returned a non-zero return code|SCRIPT_EXECUTION_FAILED|Execution (?:for \S+ )?failed "
    r"with code|^BOOTSTRAP_FAILURE\b|Step failed with exitCode)",
    re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    raw: str
    text: str  # without timestamp, level and logger prefixes
    level: str | None


@dataclass(frozen=True)
class ErrorEvent:
    """One error in a log: where it starts, its lines, and the deepest error it names."""

    index: int
    source: str  # python | java | yarn | log4j | text
    lines: tuple[str, ...]
    root: str
    level: str | None = None

    @property
    def wrapper(self) -> bool:
        return bool(WRAPPERS.search(self.root))

    def text(self) -> str:
        return "\n".join(self.lines)


def _jupyter_error(text: str) -> str | None:
    """The error of a Jupyter/Livy reply ({"ename", "evalue", "traceback": [...]}, maybe under "output"), as
    the traceback it holds: Livy statements and notebook kernels answer failures in that shape."""
    stripped = text.strip()
    if not stripped.startswith("{") or '"ename"' not in stripped:
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "ename" in item and "evalue" in item:
                trace = item.get("traceback") or []
                body = "".join(t if isinstance(t, str) else "" for t in trace)
                if not body.endswith("\n"):
                    body += "\n"
                return body + f"{item['ename']}: {item['evalue']}"
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def unescape(text: str) -> str:
    """A stack trace or traceback escaped onto one line (JSON fields, Livy/Airflow messages) split back."""
    reply = _jupyter_error(text)
    if reply is not None:
        return reply
    if "\\n" not in text:
        return text
    out = []
    for line in text.splitlines():
        if ("\\n" in line and re.search(r"\\n\\?t?(?:at |Caused by|\s+File \")|Traceback \(most recent call last\):\\n"
                                        r"|\\n[\w.$]+(?:Exception|Error)", line)):
            line = line.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\t", "\t").replace('\\"', '"')
        out.append(line)
    return "\n".join(out)


def clean(raw: str) -> Line:
    """A line without the prefixes in front of its message; the log level when it had one."""
    text = _ANSI.sub("", raw)
    if "\r" in text:
        text = text.rsplit("\r", 1)[-1] or text.replace("\r", "")
    text = _PROGRESS.sub("", text)
    level = None
    for _ in range(4):
        before = text
        for prefix in _PREFIXES:
            text = prefix.sub("", text, count=1)
        m = _LEVEL.match(text)
        if m and level is None:
            level = {"WARNING": "WARN", "SEVERE": "ERROR", "CRITICAL": "ERROR"}.get(m.group(1), m.group(1))
            text = text[m.end():]
            lm = _LOGGER.match(text)
            if lm and not _JAVA_EXC.match(text):
                text = text[lm.end():]
        if text == before:
            break
    m = _ERROR_COLON.match(text)
    if m:
        level = level or "ERROR"
        text = text[m.end():]
    return Line(raw, text.rstrip(), level)


def lines_of(text: str) -> list[Line]:
    return [clean(raw) for raw in unescape(text).splitlines()]


def application_id(text: str) -> str | None:
    found = _APP_ID.findall(text)
    return found[-1] if found else None


def events(text: str, signals: Searcher | None = None) -> list[ErrorEvent]:
    """Every error event in ``text``, in the order they appear. ``signals``: what else makes a line an
    event (the triage rules' patterns: "No space left on device" needs no exception around it)."""
    lines = lines_of(text)
    found: list[ErrorEvent] = []
    used: set[int] = set()
    finders = [_python_tracebacks, _java_chains, _python_lines, _non_exceptions]
    if signals is not None:
        finders.append(lambda ls, u: _signal_lines(ls, u, signals))
    finders += [_error_lines, _error_words]
    for finder in finders:
        for event, covered in finder(lines, used):
            found.append(event)
            used |= covered
    found.sort(key=lambda e: e.index)
    return found


# --- finders: each yields (event, the line indexes it covers) -------------------------------------------

def _python_tracebacks(lines: list[Line], used: set[int]):
    i = 0
    while i < len(lines):
        if _TRACEBACK not in lines[i].text and _TRACEBACK not in lines[i].raw:
            i += 1
            continue
        start = i
        block = [lines[i].raw]
        j = i + 1
        while j < len(lines) and (_PY_FRAME.match(lines[j].raw) or not lines[j].raw.strip()) \
                and not _STACK.match(lines[j].raw):
            block.append(lines[j].raw)
            j += 1
        if j >= len(lines):
            i = j
            continue
        final = lines[j].text.strip() or lines[j].raw.strip()
        block.append(lines[j].raw)
        covered = set(range(start, j + 1))
        root = final
        k = j + 1
        if "Py4JJavaError" in final:
            java_root, k = _java_after_py4j(lines, k)
            if java_root:
                root = java_root
                covered |= set(range(j + 1, k))
                block += [ln.raw for ln in lines[j + 1:k]][:MAX_BLOCK_LINES]
        else:
            # a message that goes on over several lines (AnalysisException's plan, a long ValueError)
            while k < len(lines) and lines[k].raw.strip() and lines[k].level is None and len(block) < MAX_BLOCK_LINES \
                    and _TRACEBACK not in lines[k].raw and not _STACK.match(lines[k].raw):
                block.append(lines[k].raw)
                k += 1
        yield ErrorEvent(start, "python", tuple(block[:MAX_BLOCK_LINES]), _short(root), lines[start].level), covered
        i = max(k, j + 1)


def _java_after_py4j(lines: list[Line], k: int) -> tuple[str | None, int]:
    """After ``Py4JJavaError: An error occurred while calling o55.x.``: the ``: org...`` line and its chain."""
    while k < len(lines) and not lines[k].raw.strip():
        k += 1
    if k < len(lines):
        m = _PY4J_CONT.match(lines[k].text.strip()) or _PY4J_CONT.match(lines[k].raw.strip())
        if m:
            head = m.group(1)
            chain, end = _chain(lines, k + 1)
            return _deepest([head] + chain), end
    return None, k


def _chain(lines: list[Line], k: int) -> tuple[list[str], int]:
    """The ``Caused by:`` lines (and message continuations) after a Java exception head, and where it ends."""
    causes: list[str] = []
    while k < len(lines):
        raw = lines[k].raw
        if _STACK.match(raw):
            k += 1
            continue
        m = _CAUSED.match(raw)
        if m:
            causes.append(m.group(1).strip())
            k += 1
            continue
        stripped = raw.strip()
        if (causes and stripped and lines[k].level is None and not _JAVA_EXC.search(stripped)
                and not raw.startswith(("\t", "    ")) and len(stripped) < 300 and causes[-1].endswith(":")):
            causes[-1] = f"{causes[-1]} {stripped}"
            k += 1
            continue
        break
    return causes, k


def _java_chains(lines: list[Line], used: set[int]):
    i = 0
    while i < len(lines):
        if i in used or _STACK.match(lines[i].raw):
            i += 1
            continue
        text = lines[i].text.strip()
        m = _JAVA_EXC_ANY.search(text)
        if not m:
            i += 1
            continue
        head = text[m.start():]
        if head.startswith(": "):
            head = head[2:]
        head, after = _continued(head, lines, i + 1)
        chain, end = _chain(lines, after)
        # a message that continues on the next line (e.g. "AnalysisException: cannot resolve ... given input
        # columns: [...]" split by the logger)
        block = [lines[i].raw] + [ln.raw for ln in lines[i + 1:end] if _CAUSED.match(ln.raw)]
        root = _deepest([head] + chain)
        # log4j prints a throwable on the lines after its message: the stack has that message's level
        level = lines[i].level or (lines[i - 1].level if i and m.start() == 0 else None)
        yield ErrorEvent(i, "java", tuple(block[:MAX_BLOCK_LINES]), _short(root), level), set(range(i, end))
        i = max(end, i + 1)


def _continued(head: str, lines: list[Line], k: int) -> tuple[str, int]:
    """A head whose message goes on over the next lines ("ClassNotFoundException:\nFailed to find data
    source: delta. ..."): the message joined, and the index after it."""
    name, _, message = head.partition(": ")
    if message.strip() and not head.rstrip().endswith(":"):
        return head, k
    parts = [head.rstrip()]
    while k < len(lines) and len(parts) < 4:
        raw = lines[k].raw
        if not raw.strip() or _STACK.match(raw) or _CAUSED.match(raw) or lines[k].level is not None:
            break
        parts.append(raw.strip())
        k += 1
    return " ".join(parts), k


def _python_lines(lines: list[Line], used: set[int]):
    """A Python exception line with no traceback header in view (a cut excerpt, a UDF error inside a Java
    stack, a notebook's re-raise): ``ZeroDivisionError: division by zero``."""
    for i, line in enumerate(lines):
        if i in used:
            continue
        text = line.text.strip()
        m = _PY_EXC_LINE.match(text)
        if m and not _JAVA_EXC.match(text):
            yield ErrorEvent(i, "python", (line.raw,), _short(text), line.level), {i}


def _signal_lines(lines: list[Line], used: set[int], signals: Searcher):
    for i, line in enumerate(lines):
        if i in used or _STACK.match(line.raw):
            continue
        m = signals.search(line.text)
        if m:
            text = line.text.strip()
            start = _sentence_start(text, max(0, m.start() - (len(line.text) - len(line.text.lstrip()))))
            raw, used_lines = (line.raw,), {i}
            if text.endswith(":") and i + 1 < len(lines) and lines[i + 1].text.strip():
                # a header whose message is the next line ("Error from python worker:\n/usr/bin/python: No
                # module named pyspark"): the event reads them together
                text += " " + lines[i + 1].text.strip()
                raw, used_lines = (line.raw, lines[i + 1].raw), {i, i + 1}
            yield ErrorEvent(i, "text", raw, _short(text[start:]), line.level), used_lines


_ERROR_WORDS = re.compile(r"\b(?:error|failed|failure|fatal|cannot|can't|could not|unable to|denied|refused|"
                          r"not found|no such)\b", re.IGNORECASE)


def _error_words(lines: list[Line], used: set[int]):
    """Lines that say something failed in words (a script's own stderr): a fallback cause, never preferred
    over an exception."""
    for i, line in enumerate(lines):
        if i in used or line.level in ("INFO", "DEBUG", "TRACE") or _STACK.match(line.raw):
            continue
        text = line.text.strip()
        if text and _ERROR_WORDS.search(text) and not text.startswith(("#", "//")):
            yield ErrorEvent(i, "text", (line.raw,), _short(text), line.level), {i}


def _non_exceptions(lines: list[Line], used: set[int]):
    for i, line in enumerate(lines):
        if i in used:
            continue
        m = _NON_EXCEPTION.search(line.text)
        if m:
            text = line.text.strip()
            start = _sentence_start(text, m.start())
            yield ErrorEvent(i, "yarn", (line.raw,), _short(text[start:]), line.level), {i}


def _error_lines(lines: list[Line], used: set[int]):
    for i, line in enumerate(lines):
        if i in used or line.level not in ("ERROR", "FATAL"):
            continue
        text = line.text.strip()
        if text:
            yield ErrorEvent(i, "log4j", (line.raw,), _short(text), line.level), {i}


def _sentence_start(text: str, at: int) -> int:
    """Where the clause holding position ``at`` starts (after "): " or ": " before it), so a root reads whole."""
    for sep in ("Reason: ", "Diagnostics: ", "diagnostics: ", "diagnostics=", "Diagnostics="):
        k = text.rfind(sep, 0, at + 1)
        if k != -1:
            return k + len(sep)
    return 0 if at < 200 else at


def _deepest(chain: list[str]) -> str:
    """The deepest error a chain names: its last cause, or an exception embedded in that cause's message."""
    last = chain[-1].strip()
    matches = list(_JAVA_EXC_ANY.finditer(last))
    if len(matches) > 1:
        return last[matches[-1].start():]
    # "Job aborted due to stage failure: ... Reason: Container killed by YARN ..."
    m = _NON_EXCEPTION.search(last)
    if m and m.start() > 0 and WRAPPERS.search(last[:m.start()] + "$"):
        return last[_sentence_start(last, m.start()):]
    return last


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_ROOT_CHARS else text[:MAX_ROOT_CHARS - 3] + "..."


def python_final(line: str) -> tuple[str, str] | None:
    """(exception name, message) of a traceback's last line."""
    m = _PY_FINAL.match(line.strip())
    return (m.group(1), m.group(2) or "") if m else None


__all__ = ["ErrorEvent", "Line", "WRAPPERS", "application_id", "clean", "events", "lines_of", "python_final",
           "unescape"]
