"""Start a fediverse-pasture app bound to loopback.

The packaged entry points (`python -m fediverse_pasture.verify_actor`,
`python -m fediverse_pasture.one_actor`) always listen on 0.0.0.0 and have no
option to change that, so the scripts here start the same apps through this
launcher instead, which builds them with the package's own factory functions
and listens on 127.0.0.1.

Both apps read or create `data.toml` (the test actors' key pairs) in the
current directory: run this from a scratch directory.

    python serve.py verify_actor --port 28090 [--timeout 20]
    python serve.py one_actor --port 28091

Runs in the venv made by setup.sh.
"""

import argparse
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app", choices=["verify_actor", "one_actor"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--domain",
        default=None,
        help="host[:port] the app's actors are reachable at (default HOST:PORT)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=20,
        help="verify_actor: per-request timeout in seconds when probing the target",
    )
    args = parser.parse_args()
    domain = args.domain or f"{args.host}:{args.port}"

    if args.app == "verify_actor":
        from fediverse_pasture.verify_actor import build_app

        # build_app(only_generate_config, domain, https, timeout); https=False
        # makes the test actors' ids http://DOMAIN/<name>.
        app = build_app(False, domain, False, args.timeout)
    else:
        from fediverse_pasture.data_provider import DataProvider
        from fediverse_pasture.server.image_provider_blueprint import image_provider_blueprint
        from fediverse_pasture.server.one_actor_app import app_for_data_provider

        # The same app `python -m fediverse_pasture.one_actor` serves: the actor
        # at /actor (inbox accepts anything), an inbox viewer at /, and
        # generated test images under /images/.
        app = app_for_data_provider(DataProvider.generate_and_load(False))
        app.register_blueprint(image_provider_blueprint, url_prefix="/images")

    print(f"pasture {args.app} listening on http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    app.run(host=args.host, port=args.port, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
