"""The `review` command (`make review`): serve the editors' workbench until Ctrl-C (server.py says how it works)."""

from pathlib import Path

from pipeline import options, paths
from pipeline.terminal import say


def add_arguments(parser) -> None:
    parser.add_argument("--builds", type=Path, required=True, help="the builds folder Make builds into (its lock, work area)")
    parser.add_argument("--warehouse", type=Path, default=paths.WAREHOUSE, help="the published warehouse link")
    parser.add_argument("--reports", type=Path, default=paths.REPORTS, help="the published reports link")
    parser.add_argument("--port", type=int, default=0, help="the port on 127.0.0.1 (default: a free one)")
    options.embeddings(parser)
    parser.add_argument("input", nargs="+", metavar="NAME=PATH", help="the inputs as Make names them: SOURCE=raw/… …")


def main(args, context: dict) -> int:
    from pipeline.workbench.server import Workbench, serve

    inputs = dict(word.partition("=")[::2] for word in args.input)
    bench = Workbench(inputs, args.builds, (args.warehouse, args.reports), args.embeddings)
    server = serve(bench, args.port)
    port = server.server_address[1]
    say(f"review: http://127.0.0.1:{port}/duplicates.html?token={bench.token}")
    say(f"review: the tag audit at http://127.0.0.1:{port}/tag_audit.html?token={bench.token} — Ctrl-C stops")
    say("review: verdicts go straight into raw/; any change under raw/ rebuilds and publishes in the background")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        say("review: stopped")
    finally:
        bench.close()
        server.server_close()
    return 0
