"""The resident registry's simulator (linkage side): realistic daily change files in the format of
eligibility/registry_feed/. See docs/subsystems/registry-feed.md."""
