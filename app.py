"""cdktf entry point: `cdktf synth` / `cdktf deploy <stack>` run this (see cdktf.json)."""
from stacks.app_builder import build_app

if __name__ == "__main__":
    build_app().synth()
