// Streams as the providers send them (shapes from their API references), trimmed to a few deltas.

export const OPENAI_CHAT_STREAM = [
  'data: {"id":"chatcmpl-AZ1","object":"chat.completion.chunk","created":1733000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}',
  'data: {"id":"chatcmpl-AZ1","object":"chat.completion.chunk","created":1733000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":"Hello — ça va? 👋"},"logprobs":null,"finish_reason":null}],"usage":null}',
  'data: {"id":"chatcmpl-AZ1","object":"chat.completion.chunk","created":1733000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}',
  'data: {"id":"chatcmpl-AZ1","object":"chat.completion.chunk","created":1733000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}',
  'data: [DONE]',
  '',
].join('\n\n');

const responseObject = (status: string, usage: string) =>
  `{"id":"resp_68a1","object":"response","created_at":1755000000,"status":"${status}","model":"gpt-4.1-2025-04-14","output":[],"usage":${usage}}`;

export const OPENAI_RESPONSES_STREAM = [
  `event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":${responseObject('in_progress', 'null')}}`,
  'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi there"}',
  'event: response.output_text.done\ndata: {"type":"response.output_text.done","sequence_number":5,"item_id":"msg_1","output_index":0,"content_index":0,"text":"Hi there"}',
  `event: response.completed\ndata: {"type":"response.completed","sequence_number":8,"response":${responseObject('completed', '{"input_tokens":37,"input_tokens_details":{"cached_tokens":0},"output_tokens":11,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":48}')}}`,
  '',
].join('\r\n\r\n').replace(/\n(?!\r)/g, '\r\n').replace(/\r\r/g, '\r');

export const ANTHROPIC_STREAM = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-20250514","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":424,"cache_read_input_tokens":2048,"output_tokens":1,"service_tier":"standard"}}}',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
  'event: ping\ndata: {"type": "ping"}',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Bonjour, ça va ?"}}',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}',
  'event: message_stop\ndata: {"type":"message_stop"}',
  '',
].join('\n\n');
