//! mimamori-node's integration tests: the parts that need no BlueZ (the mock tests drive
//! the `mimamori` binary, in cli/tests).
