//! The SQL engine shared by the PostgreSQL and MySQL models (not written yet).
