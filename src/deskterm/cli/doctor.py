"""``deskterm doctor``: a list of checks run in order, one line per result, and a verdict.

A check is a function of the shared :class:`Doctor` state yielding ``CheckResult``s; add
one by writing it and naming it in ``CHECKS``. Only FAIL lines are problems (exit 1);
``warn`` lines are worth fixing, ``skip`` lines could not run because of a FAIL above.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from deskterm import paths
from deskterm.cli.context import CliContext
from deskterm.cli.output import safe_url
from deskterm.config import Config, EmailChannel
from deskterm.config import check_config as check_config_file
from deskterm.config.naming import entry
from deskterm.domain.errors import DesktermError
from deskterm.domain.health import CheckResult, Status, fail, ok, skip, warn
from deskterm.secrets import describe, resolve_secret
from deskterm.sync import health

NETWORK_WORKERS = 8  # channels are checked side by side: one dead host costs one timeout


@dataclass
class Doctor:
    """What the checks share: the context, the config once checked, the secrets resolved."""

    ctx: CliContext
    config: Config | None = None  # None: the config could not be loaded, nothing else runs
    secrets: dict[str, str | None] = field(default_factory=dict)  # key -> value, None: failed


Check = Callable[[Doctor], Iterable[CheckResult]]


def check_config(doctor: Doctor) -> Iterator[CheckResult]:
    """The config file exists and passes ``config check`` (every problem listed)."""
    try:
        report = check_config_file(doctor.ctx.config_path)
    except DesktermError as exc:  # missing, unreadable, or not TOML
        yield fail("config", str(exc))
        return
    doctor.config = report.config
    if report.config is not None:
        doctor.ctx._config = report.config  # the commands' own lazy load would read it again
    if report.source is None:
        # Nothing configured is nothing checked: not a pass.
        yield fail(
            "config",
            f"no config file at {paths.default_config_path()}: no channels configured; "
            "copy config.example.toml there and add yours (README: Configuration)",
        )
    elif not report.problems:
        yield ok("config", str(report.source))
    for line in report.problems:
        yield fail("config", line)
    config = report.config
    if report.source is not None and config is not None and not config.channels:
        yield warn("channels", "none configured: nothing to sync (README: Configuration)")


def check_store(doctor: Doctor) -> Iterator[CheckResult]:
    """The store opens and passes a full integrity check (damage is marked so nothing
    writes into it; a clean result lifts an earlier mark), and its disk has room."""
    from deskterm.store.health import store_health

    assert doctor.config is not None
    url = doctor.config.store_url()
    yield from store_health(
        lambda: doctor.ctx.read, url, safe_url(url), doctor.config.store_path().parent
    )


def check_file_modes(doctor: Doctor) -> Iterator[CheckResult]:
    """deskterm's own files are private (0600/0700); looser ones are a warning, maybe chosen."""
    assert doctor.config is not None
    for loose in paths.loose_permissions(doctor.config.store_path(), paths.log_dir()):
        yield warn("files", loose)


def check_secrets(doctor: Doctor) -> Iterator[CheckResult]:
    """Every secret resolves (its value is kept for the logins below, never shown)."""
    assert doctor.config is not None
    for key, ref in doctor.config.secrets():
        try:
            doctor.secrets[key] = resolve_secret(ref, what=key)
        except DesktermError as exc:
            doctor.secrets[key] = None
            yield fail(key, str(exc))
        else:
            yield ok(key, describe(ref))


def check_channels(doctor: Doctor) -> Iterator[CheckResult]:
    """Each channel logs in (IMAP + SMTP) or answers one signed request; each shop too."""
    config = doctor.config
    assert config is not None
    jobs: list[Callable[[], list[CheckResult]]] = []
    for index, channel in enumerate(config.channels):
        secrets = _secrets_of(doctor, "channels", index, channel.name)
        if isinstance(channel, EmailChannel):
            labels: tuple[str, ...] = ("imap", "smtp")
            password = secrets.get("password")
            job = partial(_email_checks, channel, password or "")
        else:
            labels = ("api",)
            store = doctor.ctx.store  # opened here: the lazy property is not thread-safe
            job = partial(_one, health.check_chat, store, channel)
        jobs.append(_unless_missing(secrets, [f"{channel.name}: {label}" for label in labels], job))
    for index, shop in enumerate(config.stores):
        secrets = _secrets_of(doctor, "stores", index, shop.name)
        job = partial(_one, health.check_shop, shop)
        jobs.append(_unless_missing(secrets, [f"{shop.name}: shopify"], job))
    with ThreadPoolExecutor(NETWORK_WORKERS, thread_name_prefix="doctor") as pool:
        futures = [pool.submit(job) for job in jobs]
        for future in futures:  # in config order, each as soon as it is known
            yield from future.result()


def _secrets_of(doctor: Doctor, section: str, index: int, name: str) -> dict[str, str | None]:
    """The entry's resolved secrets by field (``password``), None for those that failed."""
    prefix = entry(section, index, name) + "."
    return {
        key.removeprefix(prefix): value
        for key, value in doctor.secrets.items()
        if key.startswith(prefix)
    }


def _unless_missing(
    secrets: dict[str, str | None], whats: list[str], job: Callable[[], list[CheckResult]]
) -> Callable[[], list[CheckResult]]:
    """``job``, or skip lines when a secret it needs failed (counted once, above)."""
    missing = [field for field, value in secrets.items() if value is None]
    if not missing:
        return job
    lines = [skip(what, f"{', '.join(missing)} not available (see above)") for what in whats]
    return lambda: lines


def _email_checks(channel: EmailChannel, password: str) -> list[CheckResult]:
    return [*health.check_imap(channel, password), health.check_smtp(channel, password)]


def _one(check: Callable[..., CheckResult], *args: object) -> list[CheckResult]:
    return [check(*args)]


def check_classify(doctor: Doctor) -> Iterator[CheckResult]:
    """The LLM labelling backend's server answers, when one is configured."""
    assert doctor.config is not None
    settings = doctor.config.classify
    if not settings.enabled or settings.backend != "llm" or settings.llm is None:
        return
    from deskterm.automation.classify.labeller import LLM_API_KEY
    from deskterm.automation.classify.llm import check_server  # httpx only when configured

    api_key = doctor.secrets.get(LLM_API_KEY)
    if settings.llm.api_key is not None and api_key is None:
        yield skip("classify: llm", f"{LLM_API_KEY} not available (see above)")
        return
    yield check_server(settings.llm, api_key)


CHECKS: list[Check] = [
    check_config,
    check_store,
    check_file_modes,
    check_secrets,
    check_channels,
    check_classify,
]
"""Run in this order; every check after the first needs a loaded config."""


def run_doctor(ctx: CliContext) -> int:
    """Run every check, print one line per result and the verdict; the exit code."""
    doctor = Doctor(ctx)
    counts = dict.fromkeys(Status, 0)
    for check in CHECKS:
        if check is not check_config and doctor.config is None:
            break  # an unloadable config: every later check would fail on it
        for result in _guarded(check, doctor):
            counts[result.status] += 1
            sys.stdout.write(result.line + "\n")
            sys.stdout.flush()  # a slow server should not hide the lines already known
    problems, warnings = counts[Status.FAIL], counts[Status.WARN]
    noted = f"{warnings} warning(s)" if warnings else ""
    if problems:
        sys.stdout.write(f"{problems} problem(s) found" + (f", {noted}" if noted else "") + "\n")
        return 2 if doctor.config is None else 1
    sys.stdout.write("all checks passed" + (f" ({noted})" if noted else "") + "\n")
    return 0


def _guarded(check: Check, doctor: Doctor) -> Iterator[CheckResult]:
    """The check's results; a failure inside it becomes one FAIL line instead of a traceback."""
    name = check.__name__.removeprefix("check_")
    try:
        yield from check(doctor)
    except DesktermError as exc:
        yield fail(name, str(exc))
    except Exception as exc:  # a doctor reports; a bug in one check must not hide the rest
        yield fail(name, f"unexpected error: {type(exc).__name__}: {exc}")
