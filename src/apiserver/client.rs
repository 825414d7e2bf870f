//! The client interface controllers write through (a typed clientset, in client-go terms).
//!
//! [`ApiServer`] implements it directly; the simulation's reconcile context implements it by
//! recording every call and letting fault rules refuse some, so that controller tests can
//! assert the ordered calls a state produces, including injected failures.

use std::sync::Arc;

use serde_json::Value;

use super::{ApiError, ApiServer, DeleteOptions, Deleted, PatchType, Scale, Subresource};
use crate::api::{Object, ObjectKey};

/// Reads and writes against the API server.
pub trait Client {
    /// The API server's current state, for reads (an informer cache that never lags).
    fn read(&self) -> &ApiServer;
    /// `POST`.
    fn create(&mut self, obj: Object) -> Result<Arc<Object>, ApiError>;
    /// `PUT`.
    fn update(&mut self, obj: Object) -> Result<Arc<Object>, ApiError>;
    /// `PUT .../status`.
    fn update_status(&mut self, obj: Object) -> Result<Arc<Object>, ApiError>;
    /// `PATCH`.
    fn patch(
        &mut self,
        key: &ObjectKey,
        patch_type: PatchType,
        patch: &Value,
        sub: Subresource,
    ) -> Result<Arc<Object>, ApiError>;
    /// `DELETE`.
    fn delete(&mut self, key: &ObjectKey, opts: &DeleteOptions) -> Result<Deleted, ApiError>;
    /// `POST pods/<name>/binding`.
    fn bind_pod(&mut self, key: &ObjectKey, node: &str) -> Result<Arc<Object>, ApiError>;
    /// `PUT .../scale`.
    fn update_scale(&mut self, key: &ObjectKey, replicas: i32) -> Result<Scale, ApiError>;
    /// `PUT namespaces/<name>/finalize`.
    fn finalize_namespace(&mut self, name: &str, finalizer: &str) -> Result<Arc<Object>, ApiError>;
}

impl Client for ApiServer {
    fn read(&self) -> &ApiServer {
        self
    }
    fn create(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        ApiServer::create(self, obj)
    }
    fn update(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        ApiServer::update(self, obj)
    }
    fn update_status(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        ApiServer::update_status(self, obj)
    }
    fn patch(
        &mut self,
        key: &ObjectKey,
        patch_type: PatchType,
        patch: &Value,
        sub: Subresource,
    ) -> Result<Arc<Object>, ApiError> {
        ApiServer::patch(self, key, patch_type, patch, sub)
    }
    fn delete(&mut self, key: &ObjectKey, opts: &DeleteOptions) -> Result<Deleted, ApiError> {
        ApiServer::delete(self, key, opts)
    }
    fn bind_pod(&mut self, key: &ObjectKey, node: &str) -> Result<Arc<Object>, ApiError> {
        ApiServer::bind_pod(self, key, node)
    }
    fn update_scale(&mut self, key: &ObjectKey, replicas: i32) -> Result<Scale, ApiError> {
        ApiServer::update_scale(self, key, replicas)
    }
    fn finalize_namespace(&mut self, name: &str, finalizer: &str) -> Result<Arc<Object>, ApiError> {
        ApiServer::finalize_namespace(self, name, finalizer)
    }
}
