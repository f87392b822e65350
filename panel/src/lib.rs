//! Execora web panel: server-rendered pages over the engine (built out in the panel issue).
