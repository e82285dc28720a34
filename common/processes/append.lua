-- APPEND: guarda un mensaje de chat en Redis y le da su número, todo de una vez.
-- Lo llama RedisLog (common/processes/log.py) con EVALSHA. Redis ejecuta un script
-- entero sin mezclarlo con nada: dos procesos que envían a la vez nunca reciben el
-- mismo seq, y no quedan huecos.
--
-- KEYS: el epoch, el contador de la sala, el stream de la sala y sus reintentos.
-- ARGV: el epoch que cree tener el proceso, un epoch nuevo por si no hay ninguno, el
-- remitente, el cid ('' si no hay), el frame antes y después del número, --history y
-- el proceso que lo escribe (para reconocer su entrada al leerla).
--
-- Los reintentos de la sala son un sorted set: cada miembro es «remitente\ncid» (un
-- remitente nunca lleva un salto de línea) y su puntuación, el seq de ese mensaje. Se
-- quitan los que ya no están en el historial: un reintento se reconoce mientras su
-- mensaje siga guardado, igual que en memoria o en SQLite.
--
-- Devuelve {'ok', seq}, {'dup', seq} (un reintento: el número del primero) o
-- {'epoch', el de Redis} (Redis volvió vacío y este mensaje es de otra historia).
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  redis.call('SET', KEYS[1], ARGV[2])
  epoch = ARGV[2]
end
if epoch ~= ARGV[1] then
  return {'epoch', epoch}
end
local cid = ARGV[4]
local retry = ARGV[3] .. '\n' .. cid
if cid ~= '' then
  local old = redis.call('ZSCORE', KEYS[4], retry)
  if old then
    return {'dup', tonumber(old)}
  end
end
local seq = redis.call('INCR', KEYS[2])
local frame = ARGV[5] .. seq .. ARGV[6]
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[7], seq .. '-0',
  's', ARGV[3], 'c', cid, 'f', frame, 'w', ARGV[8])
if cid ~= '' then
  redis.call('ZADD', KEYS[4], seq, retry)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', seq - tonumber(ARGV[7]))
end
return {'ok', seq}
