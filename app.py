"""The app `cdktf synth|deploy <stack>` and CDK Terrain's `cdktn synth|deploy <stack>` run: both CLIs read
cdktf.json. The library (cdktn or cdktf) is emr_constructs/cdk.py's choice; EMR_CDK forces one."""
try:
    from stacks.app_builder import build_app
except ImportError as exc:  # emr_constructs.cdk's CdkChoiceError: a bad EMR_CDK is one line, not a traceback
    if "EMR_CDK" not in str(exc):
        raise
    raise SystemExit(f"app.py: {exc}") from None

if __name__ == "__main__":
    build_app().synth()
