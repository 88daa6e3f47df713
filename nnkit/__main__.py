"""Command line of nnkit: ``python -m nnkit doctor``."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m nnkit",
        description="nnkit: the library built in the nnkit course.",
    )
    commands = parser.add_subparsers(dest="command", metavar="command")
    commands.add_parser(
        "doctor",
        help="check that this machine can run the course",
        description="Print versions, compile a test kernel and check every bundled data "
        "file. Exits with status 1 when something is broken. The environment variable "
        "NNKIT_DATA_DIR points the data checks at another folder.",
    )
    args = parser.parse_args(argv)
    if args.command == "doctor":
        from nnkit import doctor

        return doctor.run()
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
