"""``python -m bot`` / ``unknot``: Telegram and/or Discord when their tokens are set, else the terminal console."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot.config import Settings, configure_logging
from bot.core.catalogue import CatalogueError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="unknot", description="Unknot, a back-care chat bot.")
    parser.add_argument("mode", nargs="?", choices=["auto", "console", "bots", "telegram", "discord", "eval", "triage"],
                        default="auto",
                        help="auto (default) or bots: every platform whose token is set (TELEGRAM_BOT_TOKEN, "
                             "DISCORD_BOT_TOKEN), else the console; telegram, discord: say so if its token is missing; "
                             "eval FILE: score free-text answers on a JSONL evaluation set; "
                             "triage FILE: score the triage layer on a labelled JSONL set")
    parser.add_argument("file", nargs="?", help="with eval or triage: the JSONL file")
    parser.add_argument("--hide-messages", action="store_true", help="eval, triage: print figures only (held-out sets)")
    parser.add_argument("--cv", type=int, default=0, metavar="K", help="triage: K-fold cross validation")
    parser.add_argument("--rules-only", action="store_true", help="triage: leave the trained classifier out")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(dotenv=Path(".env"))
    except ValueError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    mode = args.mode
    if mode in ("eval", "triage"):
        if not args.file or not Path(args.file).is_file():
            print(f"Usage: python -m bot {mode} FILE.jsonl (the file was not found)", file=sys.stderr)
            return 2
        if mode == "triage":
            from bot import triage_eval

            return triage_eval.run(Path(args.file), settings.content_dir, sys.stdout,
                                   show_messages=not args.hide_messages, folds=args.cv, rules_only=args.rules_only)
        from bot.evaluate import run

        return run(Path(args.file), settings.content_dir, sys.stdout, show_messages=not args.hide_messages)
    if args.file:
        parser.error(f"unexpected argument {args.file!r}")
    if mode == "auto":
        mode = "bots" if settings.telegram_token or settings.discord_token else "console"
    if mode == "telegram" and not settings.telegram_token:
        print("TELEGRAM_BOT_TOKEN is not set; see README.md to get one from @BotFather.", file=sys.stderr)
        return 2
    if mode == "discord" and not settings.discord_token:
        print("DISCORD_BOT_TOKEN is not set; see README.md to create a Discord application and its bot.",
              file=sys.stderr)
        return 2
    if mode == "bots" and not (settings.telegram_token or settings.discord_token):
        print("Neither TELEGRAM_BOT_TOKEN nor DISCORD_BOT_TOKEN is set; see README.md to get one.", file=sys.stderr)
        return 2
    from bot import app

    try:
        if mode == "console":
            configure_logging(settings.__class__(**{**settings.__dict__, "log_level": "WARNING"}))
            asyncio.run(app.run_console(settings))
        else:
            configure_logging(settings)
            asyncio.run(app.run_bots(settings))
    except CatalogueError as exc:
        print(f"Content error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # the reader went away (``unknot console | head``): leave quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
