"""How calls are scored against actor profiles: pure functions with an explicit `today`.

Inputs: `matcher.profile.Profile` (validated by `matcher.validation.validate_profile`),
`matcher.calls.CallInput`, `matcher.themes.Theme`, `matcher.feedback.Feedback`,
`matcher.settings.MatchSettings` and `Priors`. Index them with `matcher.index.build_index`,
then score with `matcher.engine`: `score_all`, `score_call`, `score_profile`, `score_pair`,
`rank_calls`, `score_matrix`. `matcher.evaluation.evaluate` runs the matching benchmark.

Nothing is imported here, so importing one module (say `matcher.identifiers`) stays cheap.
"""
