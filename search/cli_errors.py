"""How every `vnsearch` command ends: the exit statuses (the README's table) and one clear
line on stderr instead of a traceback. Shared by :mod:`search.cli` and
:mod:`search.cluster_cli` (which search.cli registers, so it cannot import search.cli)."""

from __future__ import annotations

import errno
import functools
import os
import sys
from typing import Any, Callable, TypeVar

import click

from search.errors import VnSearchError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # click's own status for a bad option or argument (click.UsageError.exit_code)
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def os_error_message(err: OSError) -> str:
    """One line for an error of the operating system, naming the file; a write that fails
    (build, add, remove) has discarded its work, so the serving index is as it was."""
    where = f" ({err.filename})" if err.filename else ""
    what = err.strerror or str(err)
    if err.errno == errno.ENOSPC:
        return (f"no space left on the device{where}: free some space and run the command "
                "again; the serving index was left as it was")
    if err.errno == errno.EROFS:
        return f"the file system is read-only{where}; the serving index was left as it was"
    return f"{what}{where}"


def friendly_errors(func: F) -> F:
    """One clear line instead of a traceback (VNSEARCH_DEBUG=1 shows the traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except VnSearchError as err:
            _fail(str(err))
        except BrokenPipeError:  # `vnsearch search … | head`: the reader left, not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except KeyboardInterrupt:
            click.echo("interrupted; the serving index is unchanged", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except OSError as err:  # the machine, not the program: a full disk, a read-only mount
            if os.environ.get("VNSEARCH_DEBUG"):
                raise
            _fail(os_error_message(err))
        except Exception as err:  # last resort: still one line
            if os.environ.get("VNSEARCH_DEBUG"):
                raise
            _fail(f"unexpected {type(err).__name__}: {err} (set VNSEARCH_DEBUG=1 for details)")

    return wrapper  # type: ignore[return-value]
