//! Reading manifests: multi-document YAML and JSON, `kind: List`, files, directories, stdin;
//! strict decoding that reports unknown fields as the API server does.
