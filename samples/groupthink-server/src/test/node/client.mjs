// The official openai client against a Group Think server. Prints what it got as JSON; the Java
// test compares it with the engine's direct result. Usage: node client.mjs BASE_URL API_KEY MODEL
import OpenAI from 'openai';

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120_000 });
const messages = [{ role: 'user', content: 'Once upon a time' }];

const completion = await client.chat.completions.create({ model, messages, max_tokens: 24, temperature: 0 });

// n = 4 thinkers in group mode, streamed: chunks of all four arrive interleaved, told apart by index.
const stream = await client.chat.completions.create({
  model, messages, max_tokens: 12, temperature: 0, n: 4, stream: true,
  stream_options: { include_usage: true },
  group_think: { mode: 'group' },
});
const choices = [];
const order = [];
let usage = null;
for await (const chunk of stream) {
  for (const c of chunk.choices) {
    choices[c.index] ??= { index: c.index, text: '', finish_reason: null };
    if (c.delta?.content) {
      choices[c.index].text += c.delta.content;
      order.push(c.index);
    }
    if (c.finish_reason) {
      choices[c.index].finish_reason = c.finish_reason;
    }
  }
  if (chunk.usage) {
    usage = chunk.usage;
  }
}

let error = null;
try {
  await client.chat.completions.create({ model: 'no-such-model', messages });
} catch (e) {
  error = { status: e.status, code: e.code, type: e.type, param: e.param };
}

console.log(JSON.stringify({
  completion: {
    text: completion.choices[0].message.content,
    finish_reason: completion.choices[0].finish_reason,
    usage: completion.usage,
  },
  stream: { choices, first_indexes: order.slice(0, 4), usage },
  error,
}));
