#!/bin/sh
# test_pipeline.sh over WebSocket (-url -webSocket).
PIPELINE_TRANSPORT=websocket
export PIPELINE_TRANSPORT
exec "$(dirname "$0")/test_pipeline.sh"
