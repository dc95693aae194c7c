"""The maxworks terminal app (Textual). Talks to engine.api only."""
