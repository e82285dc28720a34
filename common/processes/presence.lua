-- Las funciones que comparten los scripts de la presencia (sync.lua, heartbeat.lua y
-- goodbye.lua): RedisPresence (common/processes/presence.py) pone este archivo delante
-- de cada uno. Lo que guarda Redis de cada sala:
--
--   chat:online:SALA   quién está, ordenado por la hora de llegada (un sorted set)
--   chat:nicks:SALA    apodo en minúsculas → quién (¿está libre?)
--   chat:nickof:SALA   quién → «minúsculas\napodo» (para liberarlo al salir)
--   chat:teachers:SALA quién → '1', las conexiones de la profesora (su insignia)
--   chat:rooms         cuántos hay en cada sala con gente, en todos los procesos
--   chat:members:PROC  a quién atiende cada proceso («sala\nquién»)
--   chat:procs         el último latido de cada proceso
--   chat:presence      los eventos join, leave y nick, que leen todos los procesos
--
-- «now» es la hora de Redis: todas las máquinas usan el mismo reloj para decidir
-- quién está muerto.
local function now()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end
local function nick_of(room, who)
  local value = redis.call('HGET', 'chat:nickof:' .. room, who)
  if not value then return nil, nil end
  local at = string.find(value, '\n', 1, true)
  return string.sub(value, 1, at - 1), string.sub(value, at + 1)
end
local function drop_nick(room, who)
  local key = nick_of(room, who)
  if key then
    redis.call('HDEL', 'chat:nickof:' .. room, who)
    if redis.call('HGET', 'chat:nicks:' .. room, key) == who then
      redis.call('HDEL', 'chat:nicks:' .. room, key)
    end
  end
end
local function claim(room, who, key, nick)
  if key == '' then
    drop_nick(room, who)
    return true
  end
  local owner = redis.call('HGET', 'chat:nicks:' .. room, key)
  if owner and owner ~= who and redis.call('ZSCORE', 'chat:online:' .. room, owner) then
    return false
  end
  drop_nick(room, who)
  redis.call('HSET', 'chat:nicks:' .. room, key, who)
  redis.call('HSET', 'chat:nickof:' .. room, who, key .. '\n' .. nick)
  return true
end
local function event(op, room, who, proc, nick, teacher)
  local count = redis.call('ZCARD', 'chat:online:' .. room)
  if count > 0 then
    redis.call('HSET', 'chat:rooms', room, count)
  else
    redis.call('HDEL', 'chat:rooms', room)
  end
  redis.call('XADD', 'chat:presence', 'MAXLEN', '~', 10000, '*', 'op', op, 'room', room,
             'who', who, 'count', count, 'proc', proc, 'nick', nick or '',
             'teacher', teacher or '')
end
local function leave(room, who, proc)
  redis.call('SREM', 'chat:members:' .. proc, room .. '\n' .. who)
  if redis.call('ZREM', 'chat:online:' .. room, who) == 1 then
    local _, nick = nick_of(room, who)
    drop_nick(room, who)
    redis.call('HDEL', 'chat:teachers:' .. room, who)
    event('leave', room, who, proc, nick)
  end
end
-- Deja a «who» en la sala con el apodo pedido, si está libre. Devuelve si lo consiguió
-- y el apodo que tiene ahora. «teacher» es '1' si es una conexión de la profesora.
local function present(room, who, proc, key, nick, teacher)
  local _, before = nick_of(room, who)
  local granted = claim(room, who, key, nick)
  local _, current = nick_of(room, who)
  redis.call('SADD', 'chat:members:' .. proc, room .. '\n' .. who)
  if redis.call('ZADD', 'chat:online:' .. room, 'NX', now(), who) == 1 then
    if teacher == '1' then redis.call('HSET', 'chat:teachers:' .. room, who, '1') end
    event('join', room, who, proc, current, teacher)
  elseif before ~= current then
    event('nick', room, who, proc, current)
  end
  return granted, current
end
local function split(member)
  local at = string.find(member, '\n', 1, true)
  return string.sub(member, 1, at - 1), string.sub(member, at + 1)
end
local function reap(proc)
  for _, member in ipairs(redis.call('SMEMBERS', 'chat:members:' .. proc)) do
    local room, who = split(member)
    leave(room, who, proc)
  end
  redis.call('DEL', 'chat:members:' .. proc)
  redis.call('ZREM', 'chat:procs', proc)
end
