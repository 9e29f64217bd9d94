"""Why a step failed: error events in its logs (log_events), the kind and its advice (triage, with the rules'
literal pre-filter), the probable cause (probable_cause), a big log's bounded sample (log_sample), and all the
evidence read together (evidence). Pure: no AWS call."""
from .evidence import Diagnosis, Evidence, diagnose, diagnose_sampled, explain_text

__all__ = ["Diagnosis", "Evidence", "diagnose", "diagnose_sampled", "explain_text"]
