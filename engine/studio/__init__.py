"""DataStudio: nodes and workflows as files, versions, commit and deploy."""
