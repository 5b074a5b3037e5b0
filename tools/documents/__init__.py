"""Documents as data: models and builders for each document, and their rendering.

Each document kind has an input model (what a user gives), a builder that validates the
input, fills defaults from the framework and computes what the framework tools compute, and
a finished document model that the Jinja2 templates in ``prompts/templates`` render to
Markdown, and from there to DOCX.
"""

from tools.documents.brief import StrategyBrief, StrategyBriefInput, build_brief
from tools.documents.common import PartnershipModelName, find_placeholders
from tools.documents.governance import (
    DEFAULT_RACI,
    ROLES,
    GovernancePlaybook,
    GovernancePlaybookInput,
    RaciRow,
    build_governance_playbook,
    default_raci,
)
from tools.documents.kinds import (
    DOCUMENT_KINDS,
    REQUIRED_SECTIONS,
    DocumentKind,
    build_document,
    get_kind,
    kind_of,
)
from tools.documents.okrs import (
    IndicatorKind,
    KeyResult,
    Objective,
    PartnershipOKRs,
    PartnershipOKRsInput,
    build_okrs,
)
from tools.documents.operating_plan import (
    JointOperatingPlan,
    JointOperatingPlanInput,
    build_operating_plan,
)
from tools.documents.render import markdown_to_docx, parse_blocks, render_docx, render_markdown
from tools.documents.scorecard import PartnerScorecard, PartnerScorecardInput, build_scorecard
from tools.documents.term_sheet import TermSheet, TermSheetInput, build_term_sheet
from tools.documents.thesis import Thesis, ThesisInput, build_thesis

__all__ = [
    "DEFAULT_RACI",
    "DOCUMENT_KINDS",
    "REQUIRED_SECTIONS",
    "ROLES",
    "DocumentKind",
    "GovernancePlaybook",
    "GovernancePlaybookInput",
    "IndicatorKind",
    "JointOperatingPlan",
    "JointOperatingPlanInput",
    "KeyResult",
    "Objective",
    "PartnerScorecard",
    "PartnerScorecardInput",
    "PartnershipModelName",
    "PartnershipOKRs",
    "PartnershipOKRsInput",
    "RaciRow",
    "StrategyBrief",
    "StrategyBriefInput",
    "TermSheet",
    "TermSheetInput",
    "Thesis",
    "ThesisInput",
    "build_brief",
    "build_document",
    "build_governance_playbook",
    "build_okrs",
    "build_operating_plan",
    "build_scorecard",
    "build_term_sheet",
    "build_thesis",
    "default_raci",
    "find_placeholders",
    "get_kind",
    "kind_of",
    "markdown_to_docx",
    "parse_blocks",
    "render_docx",
    "render_markdown",
]
