"""The resident-registry intake (住基異動): the change file's format and strict parser, receiving
and applying files (the nightly run), the work queue (要確認案件) and the intake results screens.
The registry's simulator lives in linkage/registry/. Docs: docs/subsystems/registry-feed.md and
docs/subsystems/qualification.md."""
