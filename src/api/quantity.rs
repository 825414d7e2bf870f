//! Resource quantities (`k8s.io/apimachinery/pkg/api/resource`): parsing, comparison and the
//! canonical form the API server stores.
