-- ORDER: guarda una orden de la profesora (borrar, vaciar, bloquear, modo lento,
-- silenciar, quitar el silencio, sacar) y la pone en el stream de la sala, detrás del
-- último mensaje. Lo llama RedisLog (common/processes/log.py) con EVALSHA, en el mismo
-- pipeline que los mensajes de este proceso: llegan a Redis en el orden en que se dieron.
--
-- KEYS: el epoch, el contador de la sala, su stream, sus reglas (un hash: cleared,
-- locked, slow), sus borrados (un sorted set de seq), sus silenciados y sus expulsados
-- (hashes IP → cuándo termina, en segundos).
-- ARGV: el epoch que cree tener el proceso, la orden, su seq (delete), locked ('1'/'0'),
-- slow, la IP (mute, unmute, kick), cuándo termina (mute, kick), --history y cuántos
-- milisegundos debe vivir el hash de silenciados o expulsados como poco.
--
-- La entrada del stream lleva el id «N-k», con N el último mensaje: va entre el mensaje N
-- («N-0») y el siguiente («N+1-0»). Así cada proceso la lee en su sitio, en orden con los
-- mensajes, y quien retoma desde «N-0» la encuentra.
--
-- Devuelve {'ok', seq} (en clear, el último vaciado) o {'epoch', el de Redis}.
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then
  return {'epoch', epoch or ''}
end
local action = ARGV[2]
local latest = tonumber(redis.call('GET', KEYS[2]) or '0')
local seq = tonumber(ARGV[3])
local history = tonumber(ARGV[8])
if action == 'delete' then
  -- El texto sale de Redis para siempre; queda apuntado que ese número está borrado.
  redis.call('XDEL', KEYS[3], seq .. '-0')
  redis.call('ZADD', KEYS[5], seq, seq)
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', latest - history)
elseif action == 'clear' then
  -- Vaciar: fuera el stream entero, también el texto de cada mensaje. La orden misma
  -- será su primera entrada, y el contador sigue donde estaba.
  seq = latest
  redis.call('HSET', KEYS[4], 'cleared', seq)
  redis.call('DEL', KEYS[3], KEYS[5])
elseif action == 'lock' then
  redis.call('HSET', KEYS[4], 'locked', ARGV[4])
elseif action == 'slow' then
  redis.call('HSET', KEYS[4], 'slow', ARGV[5])
elseif action == 'unmute' then
  redis.call('HDEL', KEYS[6], ARGV[6])
else
  -- mute o kick: el hash vive como poco lo que dura esta orden, y después se borra solo.
  local key = action == 'mute' and KEYS[6] or KEYS[7]
  local ttl = tonumber(ARGV[9])
  redis.call('HSET', key, ARGV[6], ARGV[7])
  if redis.call('PTTL', key) < ttl then
    redis.call('PEXPIRE', key, ttl)
  end
end
-- El id: detrás de la última entrada si es de este mismo número; si no, «N-1».
local id = latest .. '-1'
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
if #last > 0 then
  local number, after = string.match(last[1][1], '^(%d+)-(%d+)$')
  if tonumber(number) == latest then
    id = latest .. '-' .. (tonumber(after) + 1)
  end
end
redis.call('XADD', KEYS[3], 'MAXLEN', history, id, 'o', action, 'n', seq, 'l', ARGV[4],
  'z', ARGV[5], 'a', ARGV[6], 'u', ARGV[7])
return {'ok', seq}
