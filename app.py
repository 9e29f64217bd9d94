"""The app `cdktf synth|deploy <stack>` and CDK Terrain's `cdktn synth|deploy <stack>` run: both CLIs read
cdktf.json. The library (cdktn or cdktf) is emr_constructs/cdk.py's choice; EMR_CDK forces one."""
from stacks.app_builder import build_app

if __name__ == "__main__":
    build_app().synth()
