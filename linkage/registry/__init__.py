"""The resident registry's daily change file (住基異動): format, strict parser and simulator.
See docs/subsystems/registry-feed.md."""
