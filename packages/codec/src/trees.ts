// Merkle-Patricia trees, state hash, state trees (ss_), calls trees (cs_) and PoI (pi_).
export {};
