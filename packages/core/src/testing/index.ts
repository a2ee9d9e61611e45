// Contract test suites, one per port, shared by the in-memory implementations and every adapter.
export {};
