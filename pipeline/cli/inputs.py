"""The `inputs` command: Make's input stamps (pipeline/inputs.py), with the bank files the registry names."""

from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("--stamps", type=Path, required=True, help="the folder of the stamps (.input-NAME)")
    parser.add_argument("input", nargs="+", metavar="NAME=PATH", help="an input: SOURCE=raw/appendix2_interview_questions.txt …")


def main(args, context: dict) -> int:
    from pipeline import inputs
    from pipeline.external.registry import readable_bank_files

    named = {name: Path(path) for name, _, path in (word.partition("=") for word in args.input)}
    banks = {"EXTERNAL_BANKS": readable_bank_files(named["EXTERNAL_BANKS"])} if "EXTERNAL_BANKS" in named else {}
    inputs.write_stamps(args.stamps, named, banks)
    return 0
