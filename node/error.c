#include "node/client.h"

static const char *const mg_node_error_text[MG_NODE_ERR__COUNT] = {
    [MG_NODE_OK] = "success",
    [MG_NODE_ERR_NULL_ARG] = "required argument is NULL",
    [MG_NODE_ERR_INVALID_ARG] = "invalid argument",
    [MG_NODE_ERR_NO_MEMORY] = "out of memory",
    [MG_NODE_ERR_CONNECT] = "cannot connect to the node",
    [MG_NODE_ERR_TIMEOUT] = "the node did not answer in time",
    [MG_NODE_ERR_TRANSPORT] = "transfer to or from the node failed",
    [MG_NODE_ERR_CANCELLED] = "request cancelled",
    [MG_NODE_ERR_REJECTED] = "the node rejected the request",
    [MG_NODE_ERR_UNAUTHORIZED] = "the node does not allow this command",
    [MG_NODE_ERR_NODE_FAILURE] = "the node failed to process the request",
    [MG_NODE_ERR_UNAVAILABLE] = "the node is not ready",
    [MG_NODE_ERR_HTTP_STATUS] = "unexpected HTTP status from the node",
    [MG_NODE_ERR_BAD_RESPONSE] = "malformed answer from the node",
    [MG_NODE_ERR_TOO_LARGE] = "answer from the node too large",
};

const char *mg_node_strerror(mg_node_err_t err) {
  if ((unsigned)err >= MG_NODE_ERR__COUNT || mg_node_error_text[err] == 0) return "unknown error";
  return mg_node_error_text[err];
}
